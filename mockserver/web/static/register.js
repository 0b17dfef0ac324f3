/*
 * Registration (/esf-web/self-registration-form) in the documents' steps,
 * through the same JSON routes the API uses:
 *   category → step 1 "Выбор сертификата": NCALayer signs the log-in ticket,
 *     POST /esf-web/ajax/registration {category, signedTicket, lang}
 *     → the form prefilled from the certificate, the register, the account;
 *   step 2 "Регистрационные данные": POST …/registration/<id>/form {form}
 *     → the agreements to sign (two for a head not yet an individual);
 *   step 3 "Ознакомление с соглашением": NCALayer signs each agreement with
 *     the SIGNATURE key, POST …/registration/<id>/agreements {signed}
 *   → step 4 "Завершение": "Запрос создан успешно…", the e-mail sent.
 * Every refusal is shown beside the field it names (reg-<field>-error), or
 * on the page when it names none.
 */
(function (ESF) {
  'use strict';

  var sections = ['reg-step-category', 'reg-step-certificate', 'reg-step-form', 'reg-step-agreements', 'reg-step-done'];
  var formFields = ['iin', 'email', 'fullName', 'actingOnBasisOf', 'password', 'passwordConfirmation', 'currentPassword',
    'bin', 'companyName', 'address', 'idDocumentNumber', 'idDocumentIssueDate', 'idDocumentIssuer'];
  var state = { category: '', start: null, agreements: [], signed: [] };

  /* step shows section n of sections (0: the category) and marks the step
     in progress. */
  function step(n, quiet) {
    sections.forEach(function (id, i) { ESF.$(id).hidden = i !== n; });
    for (var i = 1; i <= 4; i++) {
      var li = ESF.$('reg-steps-' + i);
      if (i === n) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
      li.classList.toggle('done', i < n);
    }
    if (!quiet) ESF.focus(ESF.$(sections[n] + '-title'));
  }

  function restart(message) {
    state = { category: state.category, start: null, agreements: [], signed: [] };
    ESF.clearFieldErrors();
    step(0);
    if (message) ESF.pageError(message);
  }

  /* A registration that expired between its steps starts over. */
  function expired(errors) {
    return errors.some(function (e) { return e.code === 'APPLICATION_NOT_FOUND'; });
  }

  // The category.
  ESF.$('reg-category-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.clearMessages();
    ESF.clearFieldErrors();
    var checked = document.querySelector('input[name=category]:checked');
    if (!checked) {
      ESF.fieldError('reg-category-error', ESF.msg('category.required'));
      return;
    }
    state.category = checked.value;
    ESF.$('reg-category-chosen').textContent = checked.labels[0].textContent;
    step(1);
  });
  ESF.$('reg-restart').addEventListener('click', function () {
    ESF.clearMessages();
    restart();
  });

  // Step 1: the certificate.
  var chooseButton = ESF.$('reg-choose-cert');
  chooseButton.addEventListener('click', function () {
    ESF.clearMessages();
    ESF.clearFieldErrors();
    ESF.busy(chooseButton, true);
    var keyType = (ESF.data.keyTypes || {})[state.category] || 'AUTHENTICATION';
    ESF.ticket().then(function (ticket) {
      return ESF.sign(keyType, ticket, signerOids());
    }).then(function (signedTicket) {
      return ESF.postJSON('/esf-web/ajax/registration', { category: state.category, signedTicket: signedTicket, lang: ESF.data.lang });
    }).then(function (res) {
      ESF.busy(chooseButton, false);
      if (!res.ok) {
        ESF.showErrors(ESF.errorsOf(res), function (f) {
          return f === 'signedTicket' || f === 'signedAuthTicket' || f === 'category' ? 'reg-certificate-error' : null;
        });
        return;
      }
      state.start = res.body;
      fillForm(res.body);
      step(2);
    }, function (err) {
      ESF.busy(chooseButton, false);
      ESF.fail(function (f) { return f === 'signedAuthTicket' ? 'reg-certificate-error' : null; })(err);
    });
  });

  /* fillForm fills step 2 as the server prefilled it. */
  function fillForm(start) {
    var f = start.form || {};
    var legal = state.category === 'LEGAL_ENTITY';
    var owner = (f.fullName || '') + ' (' + ESF.msg('iin') + ': ' + (f.iin || '') + ')';
    if (legal) owner += ', ' + (f.companyName || '') + ' (' + ESF.msg('bin') + ': ' + (f.bin || '') + ')';
    ESF.$('reg-cert-owner').textContent = owner;
    formFields.forEach(function (name) {
      var input = ESF.$('reg-' + name);
      input.value = f[name] || '';
    });
    document.querySelectorAll('#reg-form [data-legal]').forEach(function (el) { el.hidden = !legal; });
    var existing = !!start.existingAccount;
    ESF.$('reg-existing').hidden = !existing;
    ESF.$('reg-new-password-fields').hidden = existing;
    ESF.$('reg-currentPassword-field').hidden = !existing;
    ESF.$('reg-email').readOnly = existing; // the e-mail is the account's
    ESF.$('reg-generated-password').textContent = '';
    ESF.$('reg-password').dispatchEvent(new Event('input'));
  }

  /* formValue is step 2's form as the rules take it: the fields this
     category and account have. */
  function formValue() {
    var legal = state.category === 'LEGAL_ENTITY';
    var existing = !!(state.start && state.start.existingAccount);
    var f = { category: state.category };
    formFields.forEach(function (name) {
      if (!legal && (name === 'actingOnBasisOf' || name === 'bin' || name === 'companyName')) return;
      if (existing && (name === 'password' || name === 'passwordConfirmation')) return;
      if (!existing && name === 'currentPassword') return;
      var v = ESF.$('reg-' + name).value;
      f[name] = name.indexOf('assword') >= 0 ? v : v.trim();
    });
    return f;
  }

  ESF.passwordMeter('reg');

  // Step 2: the form.
  var formButton = ESF.$('reg-form-submit');
  ESF.$('reg-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.clearMessages();
    ESF.clearFieldErrors();
    ESF.busy(formButton, true);
    var id = encodeURIComponent(state.start.applicationId);
    ESF.postJSON('/esf-web/ajax/registration/' + id + '/form', { form: formValue() }).then(function (res) {
      ESF.busy(formButton, false);
      if (!res.ok) {
        var errors = ESF.errorsOf(res);
        if (expired(errors)) {
          restart(errors[0].message + ' ' + ESF.msg('restart'));
          return;
        }
        ESF.showErrors(errors, function (f) {
          return formFields.indexOf(f) >= 0 ? 'reg-' + f + '-error' : null;
        });
        return;
      }
      state.agreements = res.body.agreements || [];
      state.signed = state.agreements.map(function () { return null; });
      showAgreements();
      step(3);
    });
  });

  /* showAgreements renders each agreement of step 3 from its XML, as text. */
  function showAgreements() {
    var box = ESF.$('reg-agreements');
    box.textContent = '';
    state.agreements.forEach(function (a, i) {
      var article = document.createElement('article');
      article.className = 'agreement';
      article.id = 'reg-agreement-' + i;
      var h = document.createElement('h3');
      h.id = 'reg-agreement-' + i + '-title';
      h.textContent = ESF.msg('agreement.' + a.kind) || a.title;
      article.appendChild(h);
      var text = document.createElement('div');
      text.className = 'agreement-text';
      text.id = 'reg-agreement-' + i + '-text';
      text.tabIndex = 0;
      text.setAttribute('role', 'document');
      text.setAttribute('aria-labelledby', h.id);
      renderAgreement(a.document, text);
      article.appendChild(text);
      var actions = document.createElement('div');
      actions.className = 'agreement-actions';
      var button = document.createElement('button');
      button.type = 'button';
      button.id = 'reg-agreement-' + i + '-sign';
      button.textContent = ESF.msg('agreement.sign');
      var status = document.createElement('span');
      status.id = 'reg-agreement-' + i + '-status';
      status.className = 'agreement-status';
      status.setAttribute('aria-live', 'polite');
      status.textContent = ESF.msg('agreement.unsigned');
      var error = document.createElement('p');
      error.id = 'reg-agreement-' + i + '-error';
      error.className = 'field-error';
      error.hidden = true;
      button.addEventListener('click', function () { signAgreement(i, button, status); });
      actions.appendChild(button);
      actions.appendChild(status);
      article.appendChild(actions);
      article.appendChild(error);
      box.appendChild(article);
    });
  }

  /* renderAgreement shows the agreement document (agreement package's XML:
     title, sections of paragraphs, the participant's requisites, the
     acceptance and the date) as text in el. */
  function renderAgreement(xml, el) {
    var doc = new DOMParser().parseFromString(xml, 'application/xml');
    var root = doc.documentElement;
    if (!root || root.getElementsByTagName('parsererror').length) {
      var pre = document.createElement('pre');
      pre.textContent = xml;
      el.appendChild(pre);
      return;
    }
    function add(tag, text, cls) {
      var n = document.createElement(tag);
      n.textContent = text;
      if (cls) n.className = cls;
      el.appendChild(n);
      return n;
    }
    Array.prototype.forEach.call(root.children, function (child) {
      switch (child.localName) {
        case 'title':
          add('h4', child.textContent.trim(), 'agreement-heading');
          break;
        case 'section':
          add('h5', child.getAttribute('title') || '');
          Array.prototype.forEach.call(child.children, function (p) { add('p', p.textContent.trim()); });
          break;
        case 'participant': {
          add('h5', child.getAttribute('title') || '');
          var dl = document.createElement('dl');
          dl.className = 'requisites';
          (function walk(node) {
            Array.prototype.forEach.call(node.children, function (f) {
              if (f.children.length) {
                walk(f);
                return;
              }
              var dt = document.createElement('dt');
              dt.textContent = f.getAttribute('label') || f.localName;
              var dd = document.createElement('dd');
              dd.textContent = f.textContent.trim();
              dl.appendChild(dt);
              dl.appendChild(dd);
            });
          }(child));
          el.appendChild(dl);
          break;
        }
        case 'acceptance':
          add('p', child.textContent.trim(), 'acceptance');
          break;
        case 'date':
          add('p', (child.getAttribute('label') || ESF.msg('agreement.date')) + ': ' + child.textContent.trim());
          break;
        default:
          add('p', child.textContent.trim());
      }
    });
  }

  /* signerOids are the extended key usage OIDs the category's key must
     hold (a legal entity's: the organization's role), or none. */
  function signerOids() {
    return (ESF.data.signerOids || {})[state.category] || null;
  }

  function signAgreement(i, button, status) {
    ESF.clearMessages();
    var error = ESF.$('reg-agreement-' + i + '-error');
    error.textContent = '';
    error.hidden = true;
    ESF.busy(button, true);
    ESF.sign('SIGNATURE', state.agreements[i].document, signerOids()).then(function (doc) {
      ESF.busy(button, false);
      state.signed[i] = doc;
      status.textContent = ESF.msg('agreement.signed');
      status.classList.add('signed');
      var next = state.signed.indexOf(null);
      ESF.focus(next >= 0 ? ESF.$('reg-agreement-' + next + '-sign') : ESF.$('reg-agreements-submit'));
    }, function (err) {
      ESF.busy(button, false);
      ESF.fail(function () { return null; })(err);
    });
  }

  // Steps 3 and 4: the signed agreements.
  var sendButton = ESF.$('reg-agreements-submit');
  ESF.$('reg-agreements-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.clearMessages();
    ESF.clearFieldErrors();
    var missing = false;
    state.signed.forEach(function (doc, i) {
      if (doc === null) {
        ESF.fieldError('reg-agreement-' + i + '-error', ESF.msg('agreement.required'));
        missing = true;
      }
    });
    if (missing) {
      ESF.focus(ESF.$('reg-agreement-' + state.signed.indexOf(null) + '-sign'));
      return;
    }
    ESF.busy(sendButton, true);
    var id = encodeURIComponent(state.start.applicationId);
    ESF.postJSON('/esf-web/ajax/registration/' + id + '/agreements', { signed: state.signed }).then(function (res) {
      ESF.busy(sendButton, false);
      if (!res.ok) {
        var errors = ESF.errorsOf(res);
        if (expired(errors)) {
          restart(errors[0].message + ' ' + ESF.msg('restart'));
          return;
        }
        ESF.showErrors(errors, function (f) {
          var m = /^signed\[(\d+)\]$/.exec(f);
          if (m) return 'reg-agreement-' + m[1] + '-error';
          return f === 'agreements' ? 'reg-agreements-error' : null;
        });
        return;
      }
      ESF.$('reg-done-message').textContent = res.body.message;
      ESF.$('reg-done-email').textContent = res.body.email;
      step(4);
    });
  });

  step(0, true);
}(window.ESF));
