/*
 * Crowd HTML Elements for mturk-review's worker site.
 *
 * Our own implementation, written from AWS's public documentation of the elements (their
 * attributes and what each contributes to the form's answer); Amazon's script is not
 * redistributable. Standard Custom Elements in plain ES2017: no framework, no network.
 *
 * <crowd-form> submits to turkSubmitTo + "/mturk/externalSubmit" (from the page's query
 * string) the fields assignmentId and taskAnswers, a JSON array holding one object of the
 * named elements' values. With answer-format="flatten-objects" it submits one field per
 * leaf of that object instead, named by its path ("sentiment.label"), as MTurk's results
 * show them. Elements this script does not implement show a notice and block the submit, so
 * that no answer is silently lost.
 *
 * The elements render native controls in the light DOM, so that the browser's own form
 * validation (required, minlength, pattern) and accessibility apply.
 */
(function () {
  'use strict';

  if (!window.customElements || window.customElements.get('crowd-form')) {
    return;
  }

  var PREVIEW_ID = 'ASSIGNMENT_ID_NOT_AVAILABLE';
  var PREVIEW_TEXT = 'You must ACCEPT the HIT before you can submit the results.';
  // The four parameters MTurk gives a task page; a page's own field by one of these names is
  // not an answer.
  var RESERVED = ['assignmentId', 'hitId', 'workerId', 'turkSubmitTo'];
  // Internal controls carry this attribute, so that they are not read as the page's own fields.
  var INTERNAL = 'data-crowd-internal';

  var STYLE = [
    'crowd-form, crowd-input, crowd-text-area, crowd-checkbox, crowd-radio-group,',
    'crowd-slider, crowd-classifier, crowd-instructions, crowd-alert, crowd-card,',
    'short-instructions, full-instructions { display: block; }',
    'crowd-button, crowd-radio-button, crowd-toggle-button { display: inline-block; }',
    'crowd-form { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;',
    '  color: #16191f; max-width: 60rem; }',
    '.crowd-form-inner > * + * { margin-top: 0.75rem; }',
    '.crowd-field { display: block; margin: 0.75rem 0; }',
    '.crowd-field-label { display: block; font-weight: 600; margin-bottom: 0.25rem; }',
    '.crowd-field input:not([type=checkbox]):not([type=radio]):not([type=range]),',
    '.crowd-field textarea { box-sizing: border-box; width: 100%; max-width: 36rem;',
    '  padding: 0.45rem 0.6rem; border: 1px solid #8d99a8; border-radius: 4px;',
    '  font: inherit; background: #fff; }',
    '.crowd-field input:focus, .crowd-field textarea:focus { outline: 2px solid #0972d3;',
    '  outline-offset: 1px; border-color: #0972d3; }',
    '.crowd-error { color: #d91515; font-size: 0.875rem; margin-top: 0.25rem; }',
    '.crowd-counter { color: #5f6b7a; font-size: 0.8rem; text-align: right; max-width: 36rem; }',
    '.crowd-choice { display: inline-flex; align-items: center; gap: 0.4rem;',
    '  margin: 0.2rem 1rem 0.2rem 0; cursor: pointer; }',
    '.crowd-choice input { width: 1.05rem; height: 1.05rem; margin: 0; accent-color: #0972d3; }',
    'crowd-radio-group { margin: 0.5rem 0; }',
    '.crowd-slider-row { display: flex; align-items: center; gap: 0.75rem; max-width: 36rem; }',
    '.crowd-slider-row input[type=range] { flex: 1; accent-color: #0972d3; }',
    '.crowd-slider-row output, .crowd-slider-row input[type=number] { min-width: 3rem;',
    '  font-variant-numeric: tabular-nums; }',
    '.crowd-toggle { display: inline-flex; align-items: center; gap: 0.5rem; cursor: pointer; }',
    '.crowd-toggle input { position: absolute; opacity: 0; width: 1px; height: 1px; }',
    '.crowd-toggle-track { width: 2.4rem; height: 1.3rem; border-radius: 1rem; background: #8d99a8;',
    '  position: relative; transition: background 0.15s; }',
    '.crowd-toggle-track::after { content: ""; position: absolute; top: 0.15rem; left: 0.15rem;',
    '  width: 1rem; height: 1rem; border-radius: 50%; background: #fff; transition: left 0.15s; }',
    '.crowd-toggle input:checked + .crowd-toggle-track { background: #0972d3; }',
    '.crowd-toggle input:checked + .crowd-toggle-track::after { left: 1.25rem; }',
    '.crowd-toggle input:focus-visible + .crowd-toggle-track { outline: 2px solid #0972d3;',
    '  outline-offset: 2px; }',
    'crowd-toggle-button[invalid] input:not(:checked) + .crowd-toggle-track { background: #d91515; }',
    '.crowd-button { display: inline-flex; align-items: center; justify-content: center;',
    '  padding: 0.45rem 1.2rem; border-radius: 1.2rem; border: 2px solid #0972d3;',
    '  background: #fff; color: #0972d3; font: inherit; font-weight: 700; cursor: pointer;',
    '  text-decoration: none; }',
    '.crowd-button.crowd-primary { background: #0972d3; color: #fff; }',
    '.crowd-button.crowd-link { border-color: transparent; background: none; padding: 0.2rem; }',
    '.crowd-button:disabled { background: #e9ebed; border-color: #9ba7b6; color: #5f6b7a;',
    '  cursor: default; }',
    '.crowd-submit-row { margin-top: 1.25rem; }',
    'crowd-card { border-radius: 6px; box-shadow: 0 1px 4px rgba(0,28,36,0.3); background: #fff;',
    '  overflow: hidden; margin: 0.75rem 0; }',
    '.crowd-card-heading { font-weight: 700; padding: 0.75rem 1rem 0; }',
    '.crowd-card-image { display: block; max-width: 100%; }',
    'crowd-alert { border-left: 4px solid #0972d3; background: #f2f8fd; padding: 0.6rem 1rem;',
    '  border-radius: 4px; margin: 0.75rem 0; position: relative; }',
    'crowd-alert[type=success] { border-color: #037f0c; background: #f2fcf3; }',
    'crowd-alert[type=warning] { border-color: #8d6605; background: #fffce9; }',
    'crowd-alert[type=error] { border-color: #d91515; background: #fff7f7; }',
    '.crowd-alert-close { position: absolute; right: 0.5rem; top: 0.3rem; border: 0;',
    '  background: none; font-size: 1.2rem; cursor: pointer; }',
    'short-instructions, full-instructions, .crowd-instructions-panel { border: 1px solid #d1d5db;',
    '  border-radius: 6px; padding: 0.5rem 1rem; margin: 0.75rem 0; background: #fafafa; }',
    'full-instructions[header]::before, short-instructions[header]::before { content: attr(header);',
    '  display: block; font-weight: 700; }',
    '.crowd-instructions-tabs { display: flex; gap: 0.25rem; border-bottom: 1px solid #d1d5db;',
    '  margin-bottom: 0.5rem; }',
    '.crowd-instructions-tabs button { border: 0; background: none; font: inherit; padding: 0.4rem 0.8rem;',
    '  cursor: pointer; border-bottom: 3px solid transparent; }',
    '.crowd-instructions-tabs button[aria-selected=true] { border-bottom-color: #0972d3; font-weight: 700; }',
    '.crowd-example-title { font-weight: 700; margin-top: 0.5rem; }',
    '.crowd-classifier-header { font-size: 1.15rem; font-weight: 700; margin: 0.5rem 0; }',
    'classification-target { display: block; padding: 0.75rem 1rem; margin: 0.5rem 0;',
    '  border: 1px solid #d1d5db; border-radius: 6px; background: #fff; }',
    '.crowd-categories { margin: 0.5rem 0; }',
    '.crowd-unsupported { display: block; border: 2px solid #d91515; background: #fff7f7;',
    '  color: #16191f; padding: 0.6rem 1rem; border-radius: 4px; margin: 0.75rem 0; font-weight: 600; }'
  ].join('\n');

  function addStyle() {
    if (document.getElementById('crowd-html-elements-style')) {
      return;
    }
    var style = document.createElement('style');
    style.id = 'crowd-html-elements-style';
    style.textContent = STYLE;
    (document.head || document.documentElement).appendChild(style);
  }

  function param(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  function isPreview() {
    return param('assignmentId') === PREVIEW_ID;
  }

  // Runs `fn` once the document is parsed: elements upgraded while the parser is still inside
  // them do not have their children yet.
  function whenParsed(fn) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fn, { once: true });
    } else {
      fn();
    }
  }

  function make(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      el.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) {
      el.textContent = text;
    }
    return el;
  }

  function moveChildren(from, to) {
    while (from.firstChild) {
      to.appendChild(from.firstChild);
    }
  }

  function internal(el) {
    el.setAttribute(INTERNAL, '');
    return el;
  }

  /** The base of every element here: renders once, after the document is parsed. */
  class CrowdElement extends HTMLElement {
    connectedCallback() {
      if (this._rendered) {
        return;
      }
      this._rendered = true;
      var self = this;
      whenParsed(function () {
        addStyle();
        self.render();
      });
    }

    render() {}

    get name() {
      return this.getAttribute('name');
    }

    get disabled() {
      return this.hasAttribute('disabled');
    }
  }

  // ---- form fields --------------------------------------------------------------------------

  /** Copies the attributes a native text control understands, under their native names. */
  function copyTextAttributes(from, to) {
    var names = {
      placeholder: 'placeholder',
      required: 'required',
      disabled: 'disabled',
      'max-length': 'maxlength',
      'min-length': 'minlength',
      'auto-focus': 'autofocus',
      rows: 'rows'
    };
    Object.keys(names).forEach(function (name) {
      if (from.hasAttribute(name)) {
        to.setAttribute(names[name], from.getAttribute(name));
      }
    });
    if (from.hasAttribute('auto-focus') && from.getAttribute('auto-focus') !== 'false') {
      window.setTimeout(function () { to.focus(); }, 0);
    }
  }

  /** The label, the error line and the optional counter around a text control. */
  function textField(host, control) {
    var wrap = make('label', { class: 'crowd-field' });
    if (host.hasAttribute('label')) {
      wrap.appendChild(make('span', { class: 'crowd-field-label' }, host.getAttribute('label')));
    }
    wrap.appendChild(control);
    var error = make('div', { class: 'crowd-error', hidden: '' });
    wrap.appendChild(error);
    control.addEventListener('invalid', function () {
      error.textContent = host.getAttribute('error-message') || control.validationMessage;
      error.hidden = false;
    });
    control.addEventListener('input', function () {
      error.hidden = true;
    });
    var pattern = host.getAttribute('allowed-pattern');
    if (pattern && host.hasAttribute('auto-validate')) {
      var allowed = new RegExp(pattern);
      control.addEventListener('input', function () {
        var kept = Array.from(control.value).filter(function (c) { return allowed.test(c); }).join('');
        if (kept !== control.value) {
          control.value = kept;
        }
      });
    }
    host.appendChild(wrap);
    return wrap;
  }

  class CrowdInput extends CrowdElement {
    render() {
      var input = internal(make('input', { type: this.getAttribute('type') || 'text' }));
      copyTextAttributes(this, input);
      if (this.hasAttribute('value')) {
        input.value = this.getAttribute('value');
      }
      this.textContent = '';
      this._control = input;
      textField(this, input);
    }

    get value() {
      return this._control ? this._control.value : (this.getAttribute('value') || '');
    }

    set value(v) {
      if (this._control) {
        this._control.value = v;
      } else {
        this.setAttribute('value', v);
      }
    }

    answer() {
      var v = this.value;
      return v === '' ? undefined : v;
    }
  }

  class CrowdTextArea extends CrowdElement {
    render() {
      var area = internal(make('textarea'));
      copyTextAttributes(this, area);
      area.value = this.hasAttribute('value') ? this.getAttribute('value') : '';
      this.textContent = '';
      this._control = area;
      var wrap = textField(this, area);
      if (this.hasAttribute('char-counter')) {
        var counter = make('div', { class: 'crowd-counter' });
        var max = this.getAttribute('max-length');
        var update = function () {
          counter.textContent = area.value.length + (max ? '/' + max : '');
        };
        area.addEventListener('input', update);
        update();
        wrap.appendChild(counter);
      }
    }

    get value() {
      return this._control ? this._control.value : (this.getAttribute('value') || '');
    }

    set value(v) {
      if (this._control) {
        this._control.value = v;
      } else {
        this.setAttribute('value', v);
      }
    }

    answer() {
      var v = this.value;
      return v === '' ? undefined : v;
    }
  }

  /** A checkbox-like element: its answer is {"<name>": {"<value or on>": checked}}. */
  class CrowdChoice extends CrowdElement {
    get key() {
      return this.getAttribute('value') || 'on';
    }

    get checked() {
      return this._control ? this._control.checked : this.hasAttribute('checked');
    }

    set checked(on) {
      if (this._control) {
        this._control.checked = Boolean(on);
      } else if (on) {
        this.setAttribute('checked', '');
      } else {
        this.removeAttribute('checked');
      }
    }

    choice(type, nativeName) {
      var label = make('label', { class: 'crowd-choice' });
      var input = internal(make('input', { type: type }));
      if (nativeName) {
        input.name = nativeName;
      }
      input.checked = this.hasAttribute('checked');
      input.disabled = this.disabled;
      input.required = this.hasAttribute('required');
      label.appendChild(input);
      var text = make('span');
      moveChildren(this, text);
      label.appendChild(text);
      this.appendChild(label);
      this._control = input;
      return input;
    }
  }

  class CrowdCheckbox extends CrowdChoice {
    render() {
      this.choice('checkbox');
    }
  }

  var radioGroups = 0;

  /** The native name the radio buttons of one group share, so that they exclude each other. */
  function radioGroupName(group) {
    if (!group._groupName) {
      radioGroups += 1;
      group._groupName = 'crowd-radio-group-' + radioGroups;
    }
    return group._groupName;
  }

  class CrowdRadioGroup extends CrowdElement {
    render() {
      this.setAttribute('role', 'radiogroup');
    }
  }

  class CrowdRadioButton extends CrowdChoice {
    render() {
      var group = this.closest('crowd-radio-group');
      // Inside a group the buttons have different names and exclude each other; outside one,
      // the buttons that share a name do.
      var input = this.choice('radio', group ? radioGroupName(group) : 'crowd-radio:' + this.name);
      if (group && group.hasAttribute('required')) {
        input.required = true;
      }
    }
  }

  class CrowdToggleButton extends CrowdChoice {
    render() {
      var label = make('label', { class: 'crowd-toggle' });
      var input = internal(make('input', { type: 'checkbox', role: 'switch' }));
      input.checked = this.hasAttribute('checked');
      input.disabled = this.disabled;
      input.required = this.hasAttribute('required');
      label.appendChild(input);
      label.appendChild(make('span', { class: 'crowd-toggle-track', 'aria-hidden': 'true' }));
      var text = make('span');
      moveChildren(this, text);
      label.appendChild(text);
      this.appendChild(label);
      this._control = input;
    }
  }

  class CrowdSlider extends CrowdElement {
    render() {
      var range = internal(make('input', { type: 'range' }));
      ['min', 'max', 'step'].forEach(function (name) {
        if (this.hasAttribute(name)) {
          range.setAttribute(name, this.getAttribute(name));
        }
      }, this);
      if (this.hasAttribute('value')) {
        range.value = this.getAttribute('value');
      }
      range.disabled = this.disabled;
      var row = make('div', { class: 'crowd-slider-row' });
      row.appendChild(range);
      if (this.hasAttribute('editable')) {
        var number = internal(make('input', { type: 'number', 'aria-label': 'Value' }));
        ['min', 'max', 'step'].forEach(function (name) {
          if (range.hasAttribute(name)) {
            number.setAttribute(name, range.getAttribute(name));
          }
        });
        number.value = range.value;
        range.addEventListener('input', function () { number.value = range.value; });
        number.addEventListener('input', function () {
          range.value = number.value;
          range.dispatchEvent(new Event('input'));
        });
        row.appendChild(number);
      } else if (this.hasAttribute('pin')) {
        var out = make('output', {}, range.value);
        range.addEventListener('input', function () { out.textContent = range.value; });
        row.appendChild(out);
      }
      // A required slider must be moved, unless the page gave it a value to start from.
      if (this.hasAttribute('required') && !this.hasAttribute('value')) {
        range.setCustomValidity('Please move the slider to choose a value.');
        range.addEventListener('input', function () { range.setCustomValidity(''); });
      }
      this.appendChild(row);
      this._control = range;
    }

    get value() {
      return this._control ? Number(this._control.value) : Number(this.getAttribute('value'));
    }

    set value(v) {
      if (this._control) {
        this._control.value = v;
        this._control.setCustomValidity('');
      } else {
        this.setAttribute('value', v);
      }
    }

    answer() {
      return this.value;
    }
  }

  /** `categories` is a JSON array, or the single-quoted form AWS's examples use. */
  function parseCategories(text) {
    try {
      var list = JSON.parse(text);
      if (Array.isArray(list)) {
        return list.map(String);
      }
    } catch (e) {
      // Not JSON: read quoted strings one by one.
    }
    var found = [];
    var re = /'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"/g;
    var m;
    while ((m = re.exec(text || '')) !== null) {
      found.push((m[1] !== undefined ? m[1] : m[2]).replace(/\\(.)/g, '$1'));
    }
    return found;
  }

  var classifiers = 0;

  class CrowdClassifier extends CrowdElement {
    render() {
      classifiers += 1;
      var group = 'crowd-classifier-' + classifiers;
      var target = this.querySelector('classification-target');
      var short = this.querySelector('short-instructions');
      var full = this.querySelector('full-instructions');
      this.textContent = '';
      if (short) {
        this.appendChild(short);
      }
      if (this.hasAttribute('header')) {
        this.appendChild(make('div', { class: 'crowd-classifier-header' }, this.getAttribute('header')));
      }
      if (target) {
        this.appendChild(target);
      }
      var list = make('div', { class: 'crowd-categories', role: 'radiogroup' });
      if (this.hasAttribute('header')) {
        list.setAttribute('aria-label', this.getAttribute('header'));
      }
      var self = this;
      this._inputs = parseCategories(this.getAttribute('categories')).map(function (category) {
        var label = make('label', { class: 'crowd-choice' });
        var input = internal(make('input', { type: 'radio', value: category }));
        input.name = group;
        // Choosing a category is what a classifier is for.
        input.required = true;
        input.disabled = self.disabled;
        label.appendChild(input);
        label.appendChild(make('span', {}, category));
        list.appendChild(label);
        return input;
      });
      this.appendChild(list);
      if (full) {
        this.appendChild(full);
      }
    }

    get value() {
      var chosen = (this._inputs || []).filter(function (input) { return input.checked; })[0];
      return chosen ? chosen.value : undefined;
    }

    answer() {
      var label = this.value;
      return label === undefined ? undefined : { label: label };
    }
  }

  // ---- instructions and layout ---------------------------------------------------------------

  class CrowdInstructions extends CrowdElement {
    render() {
      var parts = {
        summary: Array.from(this.querySelectorAll('short-summary')),
        detailed: Array.from(this.querySelectorAll('detailed-instructions')),
        positive: Array.from(this.querySelectorAll('positive-example')),
        negative: Array.from(this.querySelectorAll('negative-example'))
      };
      this.textContent = '';
      var text = this.getAttribute('link-text') || 'Click for instructions';
      var trigger = this.getAttribute('link-type') === 'button'
        ? make('button', { type: 'button', class: 'crowd-button' }, text)
        : make('button', { type: 'button', class: 'crowd-button crowd-link' }, text);
      var panel = make('div', { class: 'crowd-instructions-panel', hidden: '' });
      var tabs = make('div', { class: 'crowd-instructions-tabs', role: 'tablist' });
      panel.appendChild(tabs);
      var pages = [];
      function page(title, nodes) {
        var body = make('div', { role: 'tabpanel' });
        nodes.forEach(function (node) { body.appendChild(node); });
        var tab = make('button', { type: 'button', role: 'tab' }, title);
        tab.addEventListener('click', function () { show(pages.indexOf(entry)); });
        var entry = { tab: tab, body: body };
        pages.push(entry);
        tabs.appendChild(tab);
        panel.appendChild(body);
      }
      function titled(title, elements) {
        var nodes = [];
        elements.forEach(function (el) {
          nodes.push(make('div', { class: 'crowd-example-title' }, title));
          nodes.push(el);
        });
        return nodes;
      }
      function show(index) {
        pages.forEach(function (p, i) {
          p.tab.setAttribute('aria-selected', String(i === index));
          p.body.hidden = i !== index;
        });
      }
      page('Summary', parts.summary);
      page('Detailed Instructions', parts.detailed);
      page('Examples', titled('Good example', parts.positive).concat(titled('Bad example', parts.negative)));
      show(0);
      trigger.setAttribute('aria-expanded', 'false');
      trigger.addEventListener('click', function () {
        panel.hidden = !panel.hidden;
        trigger.setAttribute('aria-expanded', String(!panel.hidden));
      });
      this.appendChild(trigger);
      this.appendChild(panel);
    }
  }

  class CrowdButton extends CrowdElement {
    render() {
      var variant = this.getAttribute('variant') || 'normal';
      var action = this.getAttribute('form-action');
      var el;
      if (this.hasAttribute('href')) {
        el = make('a', { href: this.getAttribute('href') });
        if (this.hasAttribute('target')) {
          el.setAttribute('target', this.getAttribute('target'));
        }
      } else {
        el = make('button', { type: action === 'submit' || action === 'reset' ? action : 'button' });
        el.disabled = this.disabled || this.hasAttribute('loading');
      }
      el.className = 'crowd-button' + (variant === 'primary' ? ' crowd-primary' : '') +
        (variant === 'link' ? ' crowd-link' : '');
      if (this.hasAttribute('icon-url')) {
        el.appendChild(make('img', { src: this.getAttribute('icon-url'), alt: '', width: '16', height: '16' }));
      }
      moveChildren(this, el);
      this.appendChild(el);
      this._control = el;
    }
  }

  class CrowdAlert extends CrowdElement {
    render() {
      var type = this.getAttribute('type') || 'info';
      this.setAttribute('role', type === 'error' || type === 'warning' ? 'alert' : 'status');
      if (this.hasAttribute('dismissible')) {
        var close = make('button', { type: 'button', class: 'crowd-alert-close', 'aria-label': 'Dismiss' }, '\u00d7');
        var self = this;
        close.addEventListener('click', function () { self.hidden = true; });
        this.appendChild(close);
      }
    }
  }

  class CrowdCard extends CrowdElement {
    render() {
      if (this.hasAttribute('image')) {
        this.insertBefore(make('img', { class: 'crowd-card-image', src: this.getAttribute('image'), alt: '' }), this.firstChild);
      }
      if (this.hasAttribute('heading')) {
        this.insertBefore(make('div', { class: 'crowd-card-heading' }, this.getAttribute('heading')), this.firstChild);
      }
    }
  }

  // ---- the form -----------------------------------------------------------------------------

  var ELEMENTS = {
    'crowd-form': null, // defined below
    'crowd-button': CrowdButton,
    'crowd-input': CrowdInput,
    'crowd-text-area': CrowdTextArea,
    'crowd-checkbox': CrowdCheckbox,
    'crowd-radio-group': CrowdRadioGroup,
    'crowd-radio-button': CrowdRadioButton,
    'crowd-slider': CrowdSlider,
    'crowd-toggle-button': CrowdToggleButton,
    'crowd-classifier': CrowdClassifier,
    'crowd-instructions': CrowdInstructions,
    'crowd-alert': CrowdAlert,
    'crowd-card': CrowdCard
  };

  /** Adds the answer of `el` under its name, in the shape AWS documents for each element. */
  function collect(el, answers) {
    var name = el.getAttribute('name');
    if (!name || RESERVED.indexOf(name) >= 0 || el.disabled) {
      return;
    }
    if (el instanceof CrowdChoice) {
      var entry = answers[name] && typeof answers[name] === 'object' ? answers[name] : {};
      entry[el.key] = el.checked;
      answers[name] = entry;
      return;
    }
    if (el instanceof CrowdElement) {
      var value = typeof el.answer === 'function' ? el.answer() : undefined;
      if (value !== undefined) {
        answers[name] = value;
      }
      return;
    }
    // A native control of the page's own, read as its crowd counterpart would be.
    var type = (el.type || '').toLowerCase();
    if (['submit', 'button', 'reset', 'image', 'file'].indexOf(type) >= 0) {
      return;
    }
    if (type === 'checkbox' || type === 'radio') {
      var box = answers[name] && typeof answers[name] === 'object' ? answers[name] : {};
      box[el.value || 'on'] = el.checked;
      answers[name] = box;
    } else if (el.tagName === 'SELECT' && el.multiple) {
      answers[name] = Array.from(el.selectedOptions).map(function (o) { return o.value; });
    } else if (el.value !== '') {
      answers[name] = el.value;
    }
  }

  function answersOf(form) {
    var answers = {};
    var selector = Object.keys(ELEMENTS).filter(function (t) { return t !== 'crowd-form'; })
      .concat(['input', 'select', 'textarea']).join(',');
    form.querySelectorAll(selector).forEach(function (el) {
      if (el.hasAttribute(INTERNAL)) {
        return;
      }
      collect(el, answers);
    });
    return answers;
  }

  /** {"a": {"b": true}, "c": 4} -> [["a.b", "true"], ["c", "4"]] */
  function flatten(value, path, out) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.keys(value).forEach(function (key) {
        flatten(value[key], path ? path + '.' + key : key, out);
      });
    } else {
      out.push([path, Array.isArray(value) ? JSON.stringify(value) : String(value)]);
    }
    return out;
  }

  function unsupportedIn(root) {
    return Array.from(root.querySelectorAll('*')).filter(function (el) {
      var tag = el.tagName.toLowerCase();
      return tag.indexOf('crowd-') === 0 && !Object.prototype.hasOwnProperty.call(ELEMENTS, tag);
    });
  }

  function showUnsupported(el) {
    if (el._noticeShown) {
      return;
    }
    el._noticeShown = true;
    var tag = el.tagName.toLowerCase();
    var notice = make('div', { class: 'crowd-unsupported', role: 'alert' },
      'This task uses ' + tag + ', which this server does not support yet; your answer for it ' +
      "would be lost, so the form can't be submitted.");
    el.parentNode.insertBefore(notice, el);
  }

  function hasSubmit(form) {
    return Boolean(form.querySelector(
      'crowd-button[form-action=submit], button:not([type]), button[type=submit], input[type=submit], input[type=image]'
    ));
  }

  class CrowdForm extends CrowdElement {
    render() {
      var form = make('form', { class: 'crowd-form-inner', method: 'post' });
      moveChildren(this, form);
      if (!hasSubmit(form)) {
        var row = make('div', { class: 'crowd-submit-row' });
        var submit = make('crowd-button', { 'form-action': 'submit', variant: 'primary' }, 'Submit');
        row.appendChild(submit);
        form.appendChild(row);
      }
      this.appendChild(form);
      this._form = form;
      var blockers = unsupportedIn(document);
      blockers.forEach(showUnsupported);
      this._blocked = blockers.length > 0;
      var self = this;
      // The buttons are crowd-buttons that render themselves; wait for them.
      window.setTimeout(function () { self.lockSubmit(); }, 0);
    }

    submitButtons() {
      return Array.from(this._form.querySelectorAll(
        'button[type=submit], button:not([type]), input[type=submit], input[type=image]'
      ));
    }

    lockSubmit() {
      var preview = isPreview();
      if (!preview && !this._blocked) {
        return;
      }
      this.submitButtons().forEach(function (button) {
        button.disabled = true;
        if (preview) {
          if (button.tagName === 'INPUT') {
            button.value = PREVIEW_TEXT;
          } else {
            button.textContent = PREVIEW_TEXT;
          }
        }
      });
    }

    submitUrl() {
      var to = param('turkSubmitTo');
      if (to) {
        return to.replace(/\/+$/, '') + '/mturk/externalSubmit';
      }
      return this.getAttribute('action') || '';
    }

    /** Sends the answers in a form of their own, so that no internal control goes along. */
    send() {
      if (isPreview() || this._blocked) {
        return;
      }
      var answers = answersOf(this._form);
      var fields = [['assignmentId', param('assignmentId') || '']];
      if (this.getAttribute('answer-format') === 'flatten-objects') {
        fields = fields.concat(flatten(answers, '', []));
      } else {
        fields.push(['taskAnswers', JSON.stringify([answers])]);
      }
      var out = make('form', { method: 'post', action: this.submitUrl(), hidden: '' });
      fields.forEach(function (field) {
        var input = make('input', { type: 'hidden', name: field[0] });
        input.value = field[1];
        out.appendChild(input);
      });
      document.body.appendChild(out);
      out.submit();
    }

    /** Submits as a click on its Submit button would: the browser validates first. */
    submit() {
      if (this._form) {
        this._form.requestSubmit();
      }
    }
  }
  ELEMENTS['crowd-form'] = CrowdForm;

  // Runs after the page's own submit handlers on the crowd-form (the event bubbles up to
  // window last), so that a page cancelling the submit with preventDefault() is obeyed.
  window.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('crowd-form-inner')) {
      return;
    }
    var host = form.closest('crowd-form');
    var cancelled = event.defaultPrevented;
    event.preventDefault();
    if (!cancelled && host) {
      host.send();
    }
  });

  Object.keys(ELEMENTS).forEach(function (tag) {
    window.customElements.define(tag, ELEMENTS[tag]);
  });
})();
