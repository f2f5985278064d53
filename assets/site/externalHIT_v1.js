/*
 * A compatible version of MTurk's externalHIT_v1.js helper, our own code, served by
 * mturk-review's content origin in place of https://s3.amazonaws.com/mturk-public/externalHIT_v1.js.
 *
 * turkGetParam(name, defaultValue): a parameter of the page's query string, URL-decoded (the
 * original returned it still encoded; decoding again, as pages did, leaves these values as
 * they are).
 * turkSetAssignmentID(): fills #assignmentId from the query string, points #mturk_form at
 * turkSubmitTo + "/mturk/externalSubmit", and in preview disables #submitButton with MTurk's
 * text.
 *
 * Forms the server rewrote (a hard-coded MTurk submit URL, marked data-mturk-submit) are also
 * fixed when the document is parsed, with or without a call to turkSetAssignmentID(), so that
 * a page that relied on MTurk's own frame still submits here.
 */
(function () {
  'use strict';

  var PREVIEW_ID = 'ASSIGNMENT_ID_NOT_AVAILABLE';
  var PREVIEW_TEXT = 'You must ACCEPT the HIT before you can submit the results.';

  function turkGetParam(name, defaultValue) {
    var value = new URLSearchParams(window.location.search).get(name);
    return value === null ? defaultValue : value;
  }

  function submitUrl() {
    var to = turkGetParam('turkSubmitTo', '');
    return to ? to.replace(/\/+$/, '') + '/mturk/externalSubmit' : '';
  }

  function disableForPreview(button) {
    button.disabled = true;
    if (button.tagName === 'INPUT') {
      button.value = PREVIEW_TEXT;
    } else {
      button.textContent = PREVIEW_TEXT;
    }
  }

  /** Points `form` at this server and gives it the assignment's id. */
  function fixForm(form) {
    var assignmentId = turkGetParam('assignmentId', '');
    var url = submitUrl();
    if (url) {
      form.action = url;
    }
    var field = form.querySelector('input[name=assignmentId]');
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'assignmentId';
      form.appendChild(field);
    }
    field.value = assignmentId;
    if (assignmentId === PREVIEW_ID) {
      form.querySelectorAll('input[type=submit], button:not([type]), button[type=submit]')
        .forEach(disableForPreview);
    }
  }

  function turkSetAssignmentID() {
    var assignmentId = turkGetParam('assignmentId', '');
    var field = document.getElementById('assignmentId');
    if (field) {
      field.value = assignmentId;
    }
    var form = document.getElementById('mturk_form');
    var url = submitUrl();
    if (form && url) {
      form.action = url;
    }
    var button = document.getElementById('submitButton');
    if (button && assignmentId === PREVIEW_ID) {
      disableForPreview(button);
    }
  }

  function fixMarkedForms() {
    document.querySelectorAll('form[data-mturk-submit]').forEach(fixForm);
  }

  window.turkGetParam = turkGetParam;
  window.turkSetAssignmentID = turkSetAssignmentID;

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', fixMarkedForms, { once: true });
  } else {
    fixMarkedForms();
  }
})();
