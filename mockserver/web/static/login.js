/*
 * Log-in (/esf-web/login), and the first log-in through the e-mailed link
 * (/esf-web/self-registration-request/<token>), which completes the
 * registration: as the real portal, the browser has NCALayer sign the
 * log-in ticket (GET /esf-web/ajax/login/ticket) with the AUTHENTICATION
 * key, shows the IIN of the certificate (POST /esf-web/ajax/login/xmlDsigCertInfo),
 * and posts the IIN, the password and the signed ticket (multipart) to the
 * page's action: /esf-web/ajax/login, or the link's path. A signed ticket
 * is good for one attempt: after a refusal, "Войти" signs a new one.
 */
(function (ESF) {
  'use strict';

  var form = ESF.$('login-form');
  if (!form) return;
  var chooseButton = ESF.$('login-choose-cert');
  var submitButton = ESF.$('login-submit');
  var iinInput = ESF.$('login-iin');
  var passwordInput = ESF.$('login-password');
  var owner = ESF.$('login-cert-owner');
  var completes = !!ESF.data.completes;
  if (completes) ESF.afterProfile = '/esf-web/app?done=registration';

  // The signed ticket not yet used, and its certificate.
  var signed = null;
  var certificate = '';

  var fields = {
    signedAuthTicket: 'login-certificate-error',
    xmlDsig: 'login-certificate-error',
    certificate: 'login-certificate-error',
    iin: 'login-iin-error',
    login: 'login-iin-error',
    password: 'login-password-error'
  };
  function fieldId(f) { return fields[f] || null; }

  /* chooseCert signs a fresh ticket and shows whose certificate it is. */
  function chooseCert() {
    ESF.clearMessages();
    ESF.clearFieldErrors(form);
    signed = null;
    return ESF.ticket().then(function (ticket) {
      return ESF.sign('AUTHENTICATION', ticket);
    }).then(function (doc) {
      return ESF.postJSON('/esf-web/ajax/login/xmlDsigCertInfo', { xmlDsig: doc }).then(function (res) {
        if (!res.ok) throw { errors: ESF.errorsOf(res) };
        signed = doc;
        certificate = res.body.base64Cert || '';
        iinInput.value = res.body.iin || '';
        owner.textContent = (res.body.fullName || '') + ' (' + ESF.msg('iin') + ': ' + (res.body.iin || '') + ')';
        return true;
      });
    });
  }

  chooseButton.addEventListener('click', function () {
    ESF.busy(chooseButton, true);
    chooseCert().then(function () {
      ESF.busy(chooseButton, false);
      ESF.focus(passwordInput);
    }, function (err) {
      ESF.busy(chooseButton, false);
      ESF.fail(fieldId)(err);
    });
  });

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.busy(submitButton, true);
    var ready = signed ? Promise.resolve(true) : chooseCert();
    ready.then(function () {
      ESF.clearMessages();
      ESF.clearFieldErrors(form);
      var body = new FormData();
      body.append('login', iinInput.value);
      body.append('password', passwordInput.value);
      body.append('xmlDsig', signed);
      if (certificate) body.append('certificate', certificate);
      signed = null; // used up by this attempt, whatever its outcome
      ESF.pageStatus(ESF.msg('sending'));
      return ESF.postForm(ESF.data.action, body);
    }).then(function (res) {
      ESF.busy(submitButton, false);
      if (!res.ok) {
        ESF.showErrors(ESF.errorsOf(res), fieldId);
        return;
      }
      var b = res.body || {};
      var profiles = b.profiles || [];
      var prefix = completes && b.message ? b.message + '. ' : '';
      if (!b.profile && profiles.length > 1) {
        ESF.pageStatus(prefix + ESF.msg('login.choose'));
        ESF.hide(form);
        ESF.showProfileChoice(profiles);
        return;
      }
      ESF.pageStatus(prefix + ESF.msg('login.ok'));
      window.location.assign(completes ? '/esf-web/app?done=registration' : (b.redirect || '/esf-web/app'));
    }, function (err) {
      ESF.busy(submitButton, false);
      ESF.fail(fieldId)(err);
    });
  });
}(window.ESF));
