/*
 * Change of e-mail (/esf-web/login/change-email): NCALayer signs
 * <changeEmail><login>IIN</login><email>new</email></changeEmail> with the
 * SIGNATURE key (RSA or GOST), and the page posts {login, email, xmlDsig}
 * to /esf-web/ajax/change-email, the route the API uses.
 */
(function (ESF) {
  'use strict';

  var form = ESF.$('change-email-form');
  var button = ESF.$('change-email-submit');
  var login = ESF.$('change-email-login');
  var email = ESF.$('change-email-email');
  var fields = { login: 'change-email-login-error', iin: 'change-email-login-error', email: 'change-email-email-error' };
  function fieldId(f) { return fields[f] || null; }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    ESF.clearMessages();
    ESF.clearFieldErrors(form);
    var value = { login: login.value.trim(), email: email.value.trim() };
    var missing = [];
    if (!value.login) missing.push({ field: 'login', message: ESF.msg('required') });
    if (!value.email) missing.push({ field: 'email', message: ESF.msg('required') });
    if (missing.length) {
      ESF.showErrors(missing, fieldId);
      return;
    }
    ESF.busy(button, true);
    var doc = '<changeEmail><login>' + ESF.escapeXML(value.login) + '</login><email>' + ESF.escapeXML(value.email) + '</email></changeEmail>';
    ESF.sign('SIGNATURE', doc).then(function (signed) {
      value.xmlDsig = signed;
      return ESF.postJSON('/esf-web/ajax/change-email', value);
    }).then(function (res) {
      ESF.busy(button, false);
      if (!res.ok) {
        ESF.showErrors(ESF.errorsOf(res), fieldId);
        return;
      }
      ESF.pageStatus(res.body.message);
    }, function (err) {
      ESF.busy(button, false);
      ESF.fail(fieldId)(err);
    });
  });
}(window.ESF));
