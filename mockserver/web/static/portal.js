/*
 * What every portal page's script shares: the page's data (the JSON block
 * #page-data the server rendered), its words, the page-level messages
 * (#page-error, #page-status), refusals shown beside the field they name,
 * the portal's JSON routes, signing through NCALayer, the password
 * strength meter and generator (esfreg's rules), and the choice of profile.
 */
(function (global) {
  'use strict';

  var ESF = {};
  var dataEl = document.getElementById('page-data');
  ESF.data = dataEl ? JSON.parse(dataEl.textContent) : {};
  var messages = ESF.data.messages || {};

  ESF.msg = function (key) {
    return Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
  };
  ESF.$ = function (id) { return document.getElementById(id); };
  ESF.show = function (el) { if (el) el.hidden = false; };
  ESF.hide = function (el) { if (el) el.hidden = true; };
  ESF.focus = function (el) {
    if (!el) return;
    el.focus();
    if (el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  };

  /* Page-level messages. */
  function setMessage(id, lines) {
    var el = ESF.$(id);
    if (!el) return;
    el.textContent = '';
    lines.forEach(function (line, i) {
      if (i > 0) el.appendChild(document.createElement('br'));
      el.appendChild(document.createTextNode(line));
    });
    el.hidden = lines.length === 0;
  }
  ESF.pageError = function (text) {
    setMessage('page-error', text ? [text] : []);
    if (text) {
      setMessage('page-status', []);
      ESF.$('page-error').scrollIntoView({ block: 'nearest' });
    }
  };
  ESF.pageErrors = function (lines) {
    setMessage('page-error', lines);
    if (lines.length) ESF.$('page-error').scrollIntoView({ block: 'nearest' });
  };
  ESF.pageStatus = function (text) { setMessage('page-status', text ? [text] : []); };
  ESF.clearMessages = function () {
    setMessage('page-error', []);
    setMessage('page-status', []);
  };

  /* Refusals beside their fields. The server names the field of each
     refusal (the form's JSON name, such as "email"); fieldId maps it to
     the id of the element that shows it ("<input id>-error"), or null when
     the page has no such field: the refusal then goes to #page-error. */
  ESF.clearFieldErrors = function (root) {
    (root || document).querySelectorAll('.field-error').forEach(function (el) {
      el.textContent = '';
      el.hidden = true;
    });
    (root || document).querySelectorAll('[aria-invalid]').forEach(function (el) {
      el.removeAttribute('aria-invalid');
    });
  };
  ESF.fieldError = function (errorId, text) {
    var el = ESF.$(errorId);
    if (!el) return false;
    el.textContent = el.textContent ? el.textContent + '; ' + text : text;
    el.hidden = false;
    var input = ESF.$(errorId.replace(/-error$/, ''));
    if (input && input.matches('input, select, textarea')) input.setAttribute('aria-invalid', 'true');
    return true;
  };
  ESF.showErrors = function (errors, fieldId) {
    var page = [];
    var first = null;
    errors.forEach(function (e) {
      var id = e.field && fieldId ? fieldId(e.field) : null;
      if (id && ESF.fieldError(id, e.message)) {
        if (!first) first = id;
      } else {
        page.push(e.message);
      }
    });
    ESF.pageStatus('');
    ESF.pageErrors(page);
    if (first) {
      var input = ESF.$(first.replace(/-error$/, ''));
      ESF.focus(input && !input.hidden ? input : ESF.$(first));
    }
  };
  /* errorsOf returns the refusals of an error answer: its "errors", or
     the one it is. */
  ESF.errorsOf = function (res) {
    var b = res.body;
    if (b && Array.isArray(b.errors) && b.errors.length) return b.errors;
    if (b && b.code) return [{ code: b.code, field: b.field || '', message: b.message || b.code }];
    return [{ code: 'HTTP_' + res.status, field: '', message: ESF.msg('unexpected') + ' (HTTP ' + res.status + ')' }];
  };

  /* The JSON routes: each resolves with {ok, status, body}; a network
     failure is an answer with status 0 and the network message. */
  function answer(resp) {
    return resp.text().then(function (text) {
      var body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
      return { ok: resp.ok, status: resp.status, body: body, text: text };
    });
  }
  function offline() {
    return { ok: false, status: 0, body: { code: 'NETWORK', field: '', message: ESF.msg('network') } };
  }
  ESF.postJSON = function (url, value) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(value)
    }).then(answer, offline);
  };
  ESF.postForm = function (url, form) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' },
      body: form
    }).then(answer, offline);
  };
  /* ticket resolves with the portal's log-in ticket (XML). */
  ESF.ticket = function () {
    return fetch('/esf-web/ajax/login/ticket', { credentials: 'same-origin' }).then(answer, offline).then(function (res) {
      if (!res.ok) throw { errors: ESF.errorsOf(res) };
      return res.text;
    });
  };

  /* Signing through NCALayer. sign resolves with the signed document, or
     rejects with {errors: [...]} whose message says what went wrong
     ("NCALayer не запущен…", cancelled, refused). With oids it asks
     basics.sign for a key holding them (signXmlBy), else commonUtils'
     signXml for a key of keyType. */
  ESF.ncalayer = new global.NCALayer(ESF.data.ncalayer);
  ESF.sign = function (keyType, xml, oids) {
    ESF.pageStatus(ESF.msg('ncalayer.waiting'));
    var signing = oids && oids.length ? ESF.ncalayer.signXmlBy(oids, xml) : ESF.ncalayer.signXml(keyType, xml);
    return signing.then(function (signed) {
      ESF.pageStatus('');
      if (typeof signed !== 'string' || signed === '') {
        throw { errors: [{ code: 'NCALAYER', field: '', message: ESF.msg('ncalayer.failed') }] };
      }
      return signed;
    }, function (err) {
      ESF.pageStatus('');
      var text;
      if (err && err.kind === 'canceled') text = ESF.msg('ncalayer.canceled');
      else if (err && err.kind === 'failed') text = ESF.msg('ncalayer.failed') + ': ' + err.message;
      else text = ESF.msg('ncalayer.unavailable');
      throw { errors: [{ code: 'NCALAYER', field: '', message: text }] };
    });
  };
  /* fail shows what a step's promise rejected with. */
  ESF.fail = function (fieldId) {
    return function (err) {
      if (err && err.errors) ESF.showErrors(err.errors, fieldId);
      else ESF.pageError(String(err && err.message || err));
    };
  };
  /* busy disables a button while its step runs. */
  ESF.busy = function (button, on) {
    if (!button) return;
    button.disabled = on;
    if (on) button.setAttribute('aria-busy', 'true');
    else button.removeAttribute('aria-busy');
  };

  /* escapeXML escapes text for an XML element's content. */
  ESF.escapeXML = function (s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  };

  /* The password rules of esfreg: PasswordStrength's rating, 0 Низкий,
     1 Средний, 2 Высокий, and GeneratePassword's passwords. */
  ESF.strength = function (pw) {
    var chars = Array.from(pw);
    var lower = false, upper = false, digit = false, other = false;
    var distinct = new Set(chars);
    chars.forEach(function (c) {
      if (/\p{Ll}/u.test(c)) lower = true;
      else if (/\p{Lu}/u.test(c)) upper = true;
      else if (/\p{Nd}/u.test(c)) digit = true;
      else other = true;
    });
    var classes = [lower, upper, digit, other].filter(Boolean).length;
    if (chars.length < 8 || classes < 2 || 2 * distinct.size < chars.length) return 0;
    if (chars.length >= 10 && classes >= 3) return 2;
    return 1;
  };
  var alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  ESF.generatePassword = function () {
    var limit = 256 - 256 % alphabet.length;
    for (var attempt = 0; attempt < 100; attempt++) {
      var out = '';
      while (out.length < 10) {
        var buf = new Uint8Array(64);
        global.crypto.getRandomValues(buf);
        for (var i = 0; i < buf.length && out.length < 10; i++) {
          if (buf[i] < limit) out += alphabet[buf[i] % alphabet.length];
        }
      }
      if (ESF.strength(out) === 2 && /[0-9]/.test(out) && /[A-Za-z]/.test(out)) return out;
    }
    return '';
  };
  /* passwordMeter wires the strength meter and "Сгенерировать пароль" of
     the fields <prefix>-password and <prefix>-passwordConfirmation. */
  ESF.passwordMeter = function (prefix) {
    var input = ESF.$(prefix + '-password');
    var confirm = ESF.$(prefix + '-passwordConfirmation');
    var meter = ESF.$(prefix + '-password-meter');
    var label = ESF.$(prefix + '-password-strength');
    var gen = ESF.$(prefix + '-generate-password');
    var shown = ESF.$(prefix + '-generated-password');
    if (!input) return;
    function update() {
      if (input.value === '') {
        meter.value = 0;
        label.textContent = '—';
        return;
      }
      var s = ESF.strength(input.value);
      meter.value = s + 1;
      label.textContent = ESF.msg('strength.' + s);
    }
    input.addEventListener('input', update);
    if (gen) {
      gen.addEventListener('click', function () {
        var pw = ESF.generatePassword();
        input.value = pw;
        if (confirm) confirm.value = pw;
        if (shown) shown.textContent = pw;
        update();
      });
    }
    update();
  };

  /* The choice of profile (#profile-form): filled by the log-in's answer,
     or rendered by the server on the account page. */
  ESF.afterProfile = '/esf-web/app';
  ESF.showProfileChoice = function (profiles) {
    var box = ESF.$('profile-options');
    box.textContent = '';
    var types = ESF.data.profileTypes || {};
    profiles.forEach(function (p, i) {
      var id = 'profile-option-' + p.tin + '-' + p.businessProfileType;
      var div = document.createElement('div');
      div.className = 'option';
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'profile';
      input.id = id;
      input.value = p.tin + '-' + p.businessProfileType;
      input.dataset.tin = p.tin;
      input.dataset.type = p.businessProfileType;
      if (i === 0) input.checked = true;
      var label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = (types[p.businessProfileType] || p.businessProfileType) + ' — ' + p.tin;
      div.appendChild(input);
      div.appendChild(label);
      box.appendChild(div);
    });
    ESF.show(ESF.$('profile-section'));
    ESF.focus(ESF.$('profile-title'));
  };
  function initProfileChoice() {
    var form = ESF.$('profile-form');
    if (!form) return;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      ESF.clearFieldErrors(form);
      var checked = form.querySelector('input[name=profile]:checked');
      if (!checked) {
        ESF.fieldError('profile-error', ESF.msg('profile.required'));
        return;
      }
      var button = ESF.$('profile-submit');
      ESF.busy(button, true);
      ESF.postJSON('/esf-web/ajax/profile', { tin: checked.dataset.tin, businessProfileType: checked.dataset.type }).then(function (res) {
        ESF.busy(button, false);
        if (!res.ok) {
          ESF.showErrors(ESF.errorsOf(res), function (f) {
            return f === 'tin' || f === 'businessProfileType' ? 'profile-error' : null;
          });
          return;
        }
        ESF.pageError('');
        ESF.pageStatus(ESF.msg('profile.chosen'));
        global.location.assign(ESF.afterProfile);
      });
    });
  }

  global.ESF = ESF;
  document.addEventListener('DOMContentLoaded', initProfileChoice);
}(window));
