// question-form.js: checks a QuestionForm's rules in the browser before it is submitted, and
// shows each problem next to its question. The rules and their messages come from the form's
// data-* attributes, written by the server (src/server/site/question_form/render.rs), which
// checks everything again: this script is a courtesy, never the guard. Plain ES2017, no network.
(function () {
  'use strict';

  // Same expression as the server's IsNumeric check (question_form/answer.rs).
  var NUMBER = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

  function data(el, name) {
    return el.getAttribute('data-' + name);
  }

  function intData(el, name) {
    var v = data(el, name);
    return v === null ? null : Number(v);
  }

  // What the server will read: line breaks as \n.
  function valueOf(input) {
    return input.value.replace(/\r\n?/g, '\n');
  }

  function isBlank(input) {
    return valueOf(input).trim() === '' && !(input.validity && input.validity.badInput);
  }

  // The messages of the rules a non-blank text input breaks.
  function textProblems(input) {
    var problems = [];
    var value = valueOf(input);
    if (input.hasAttribute('data-numeric')) {
      var trimmed = value.trim();
      if ((input.validity && input.validity.badInput) || !NUMBER.test(trimmed)) {
        problems.push(data(input, 'msg-number'));
      } else {
        var n = Number(trimmed);
        var min = intData(input, 'min-value');
        var max = intData(input, 'max-value');
        if ((min !== null && n < min) || (max !== null && n > max)) {
          problems.push(data(input, 'msg-range'));
        }
      }
    }
    var length = Array.from(value).length; // characters, as the server counts them
    var minLength = intData(input, 'min-length');
    var maxLength = intData(input, 'max-length');
    if ((minLength !== null && length < minLength) || (maxLength !== null && length > maxLength)) {
      problems.push(data(input, 'msg-length'));
    }
    var rules = data(input, 'regex');
    if (rules) {
      JSON.parse(rules).forEach(function (rule) {
        var re;
        try {
          re = new RegExp(rule[0], rule[1]);
        } catch (e) {
          return; // the server still checks it
        }
        if (!re.test(value) && problems.indexOf(rule[2]) < 0) {
          problems.push(rule[2]);
        }
      });
    }
    return problems;
  }

  function otherControl(section) {
    return section.querySelector('input[data-qf-other], option[data-qf-other]');
  }

  function otherChosen(section) {
    var control = otherControl(section);
    if (!control) {
      return false;
    }
    return control.tagName === 'OPTION' ? control.selected : control.checked;
  }

  function otherInput(section) {
    return section.querySelector('.qf-other .qf-text');
  }

  function choiceProblems(section) {
    var problems = [];
    var count = section.querySelectorAll(
      'input[type=radio]:checked, input[type=checkbox]:checked, option:checked'
    ).length;
    var chosenOther = otherChosen(section);
    if (chosenOther) {
      count -= 1; // counted below, by its text
    }
    // The placeholder option of a drop-down is selected when nothing is.
    Array.prototype.forEach.call(section.querySelectorAll('option:checked'), function (o) {
      if (o.value === '' && !o.hasAttribute('data-qf-other')) {
        count -= 1;
      }
    });
    var other = otherInput(section);
    if (chosenOther && other) {
      if (isBlank(other)) {
        problems.push(data(section, 'msg-other'));
      } else {
        count += 1;
        problems = problems.concat(textProblems(other));
      }
    }
    if (count === 0) {
      if (section.hasAttribute('data-qf-required') && problems.length === 0) {
        problems.push(data(section, 'msg-required'));
      }
      return problems;
    }
    if (count < intData(section, 'min-count') || count > intData(section, 'max-count')) {
      problems.push(data(section, 'msg-count'));
    }
    return problems;
  }

  function fileProblems(section) {
    var input = section.querySelector('input[type=file]');
    var file = input && input.files && input.files[0];
    if (!file) {
      return section.hasAttribute('data-qf-required') ? [data(section, 'msg-file')] : [];
    }
    if (file.size < intData(section, 'min-size') || file.size > intData(section, 'max-size')) {
      return [data(section, 'msg-size')];
    }
    return [];
  }

  function problemsOf(section) {
    switch (data(section, 'qf-kind')) {
      case 'choice':
        return choiceProblems(section);
      case 'file':
        return fileProblems(section);
      default: {
        var input = section.querySelector('.qf-text');
        if (isBlank(input)) {
          return section.hasAttribute('data-qf-required') ? [data(section, 'msg-required')] : [];
        }
        return textProblems(input);
      }
    }
  }

  function show(section, problems) {
    var error = section.querySelector('.qf-error');
    error.textContent = problems.join(' ');
    error.hidden = problems.length === 0;
    Array.prototype.forEach.call(section.querySelectorAll('input, textarea, select'), function (c) {
      if (problems.length) {
        c.setAttribute('aria-invalid', 'true');
      } else {
        c.removeAttribute('aria-invalid');
      }
    });
  }

  function check(section) {
    var problems = problemsOf(section);
    show(section, problems);
    return problems.length === 0;
  }

  // The Other text box is usable (and sent) only while Other is chosen.
  function syncOther(section) {
    var other = otherInput(section);
    var control = otherControl(section);
    if (!other || !control) {
      return;
    }
    var controlDisabled = control.tagName === 'OPTION' ? control.parentNode.disabled : control.disabled;
    if (!controlDisabled) {
      other.disabled = !otherChosen(section);
    }
  }

  function setUp(form) {
    var sections = Array.prototype.slice.call(form.querySelectorAll('.qf-question'));
    form.noValidate = true; // this script shows the messages, next to each question
    // A message shown while the worker is pressing on another control would move that
    // control away before the click lands: checks on leaving a question wait for the release.
    var pressing = false;
    var waiting = [];
    document.addEventListener('pointerdown', function () { pressing = true; }, true);
    document.addEventListener('pointerup', function () {
      pressing = false;
      setTimeout(function () { waiting.splice(0).forEach(check); }, 0);
    }, true);
    sections.forEach(function (section) {
      syncOther(section);
      section.addEventListener('change', function () {
        syncOther(section);
        if (section.hasAttribute('data-qf-checked')) {
          check(section);
        }
      });
      section.addEventListener('focusout', function (event) {
        if (section.contains(event.relatedTarget)) {
          return; // still inside this question
        }
        section.setAttribute('data-qf-checked', '');
        if (pressing) {
          waiting.push(section);
        } else {
          check(section);
        }
      });
    });
    form.addEventListener('submit', function (event) {
      var firstBad = null;
      sections.forEach(function (section) {
        section.setAttribute('data-qf-checked', '');
        if (!check(section) && firstBad === null) {
          firstBad = section;
        }
      });
      if (firstBad !== null) {
        event.preventDefault();
        var control = firstBad.querySelector('input:not([disabled]), textarea:not([disabled]), select:not([disabled])');
        if (control) {
          control.focus();
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-qf-form]'), setUp);
})();
