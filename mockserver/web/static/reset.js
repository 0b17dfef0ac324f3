/*
 * Password reset: the request (/esf-web/login/reset-password) posts
 * {login, email} to /esf-web/ajax/reset-password; the e-mailed link's page
 * (/esf-web/reset-password/<token>) has NCALayer sign
 * <resetPassword><login>IIN</login><token>…</token></resetPassword> with the
 * SIGNATURE key and posts {password, passwordConfirmation, xmlDsig} to the
 * link's path — the routes the API uses.
 */
(function (ESF) {
  'use strict';

  // The request.
  var request = ESF.$('reset-request-form');
  if (request) {
    var requestButton = ESF.$('reset-request-submit');
    var requestFields = { login: 'reset-request-login-error', iin: 'reset-request-login-error', email: 'reset-request-email-error' };
    var requestField = function (f) { return requestFields[f] || null; };
    request.addEventListener('submit', function (ev) {
      ev.preventDefault();
      ESF.clearMessages();
      ESF.clearFieldErrors(request);
      ESF.busy(requestButton, true);
      ESF.postJSON('/esf-web/ajax/reset-password', {
        login: ESF.$('reset-request-login').value.trim(),
        email: ESF.$('reset-request-email').value.trim()
      }).then(function (res) {
        ESF.busy(requestButton, false);
        if (!res.ok) {
          ESF.showErrors(ESF.errorsOf(res), requestField);
          return;
        }
        ESF.pageStatus(res.body.message);
      });
    });
  }

  // The link's page.
  var form = ESF.$('reset-form');
  if (!form) return;
  ESF.passwordMeter('reset');
  var button = ESF.$('reset-submit');
  var fields = {
    login: 'reset-login-error',
    iin: 'reset-login-error',
    password: 'reset-password-error',
    passwordConfirmation: 'reset-passwordConfirmation-error'
  };
  function fieldId(f) { return fields[f] || null; }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.clearMessages();
    ESF.clearFieldErrors(form);
    var login = ESF.$('reset-login').value.trim();
    if (!login) {
      ESF.showErrors([{ field: 'login', message: ESF.msg('required') }], fieldId);
      return;
    }
    ESF.busy(button, true);
    var doc = '<resetPassword><login>' + ESF.escapeXML(login) + '</login><token>' + ESF.escapeXML(ESF.data.token) + '</token></resetPassword>';
    ESF.sign('SIGNATURE', doc).then(function (signed) {
      return ESF.postJSON(ESF.data.action, {
        password: ESF.$('reset-password').value,
        passwordConfirmation: ESF.$('reset-passwordConfirmation').value,
        xmlDsig: signed
      });
    }).then(function (res) {
      ESF.busy(button, false);
      if (!res.ok) {
        ESF.showErrors(ESF.errorsOf(res), fieldId);
        return;
      }
      ESF.pageStatus(res.body.message);
      ESF.hide(form);
      var link = ESF.$('reset-login-link');
      ESF.show(link);
      ESF.focus(link);
    }, function (err) {
      ESF.busy(button, false);
      ESF.fail(fieldId)(err);
    });
  });
}(window.ESF));
