package esfreg

import (
	"errors"
	"fmt"
	"time"

	"github.com/esfkit/esf/certs"
)

// CertOptions say how the rules check a certificate. The zero value checks
// the validity period at the current time, strict IINs and BINs, and no
// chain.
type CertOptions struct {
	// Now is the time to check at; zero means time.Now().
	Now time.Time
	// IDOptions say how the certificate's IIN and BIN are checked.
	IDOptions
	// Trust, when set, makes every certificate verify with certs.Verify
	// against these roots, intermediates and CRLs (its CurrentTime,
	// Usage and Holder are ignored: Now and the rule decide those). Nil
	// checks only the validity period: for a client checking its own key
	// store before it sends anything, or a caller that verified the chain
	// already. The mock sets it.
	Trust *certs.VerifyOptions
}

func (o CertOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// checkValidity checks cert's validity period at o's time and, with
// o.Trust, its chain and revocation, mapping certs' reasons to ESF's codes.
func (o CertOptions) checkValidity(cert *certs.Certificate) error {
	if cert == nil || cert.X509 == nil {
		return wrapError(CodeCertificateNotValid, "", errors.New("no certificate"))
	}
	now := o.now()
	if o.Trust == nil {
		switch {
		case now.Before(cert.NotBefore):
			return wrapError(CodeCertificateNotYetValid, "", fmt.Errorf("valid from %s", cert.NotBefore.UTC().Format(time.RFC3339)))
		case now.After(cert.NotAfter):
			return wrapError(CodeCertificateExpired, "", fmt.Errorf("valid until %s", cert.NotAfter.UTC().Format(time.RFC3339)))
		}
		return nil
	}
	vo := *o.Trust
	vo.CurrentTime, vo.Usage, vo.Holder = now, 0, certs.HolderUnknown
	_, err := certs.Verify(cert, vo)
	if err == nil {
		return nil
	}
	var ve *certs.VerifyError
	if !errors.As(err, &ve) {
		return wrapError(CodeCertificateNotValid, "", err)
	}
	switch ve.Reason {
	case certs.ReasonExpired:
		return wrapError(CodeCertificateExpired, "", err)
	case certs.ReasonNotYetValid:
		return wrapError(CodeCertificateNotYetValid, "", err)
	case certs.ReasonRevoked:
		return wrapError(CodeCertificateRevoked, "", err)
	case certs.ReasonBadSignature:
		return wrapError(CodeCertificateSignatureNotValid, "", err)
	}
	return wrapError(CodeCertificateNotValid, "", err)
}

// CheckCertificate is step 1 of registration as far as the certificate
// alone decides (domain.md, "Registration", step 1), whatever its usage
// (AUTH or signing: the old portal read the form from the AUTH key, the
// current one from the signing key):
//
//   - it is valid at o.Now (and chains to o.Trust, unrevoked, if set);
//   - it names a valid IIN;
//   - Individual and Entrepreneur: it is an individual's certificate
//     (an entrepreneur gets one like any person; the register, not the
//     certificate, says he is an entrepreneur);
//   - LegalEntity: it is a legal entity's certificate, names a valid BIN,
//     and carries the first head's role (CEO).
//
// What the register and the accounts must say is Service.Begin's part.
func CheckCertificate(c Category, cert *certs.Certificate, o CertOptions) error {
	if !c.Valid() {
		return NewError(CodeCategoryNotValid, "category")
	}
	if err := o.checkValidity(cert); err != nil {
		return err
	}
	if _, err := o.ParseIIN(cert.IIN); err != nil {
		return err
	}
	switch c {
	case Individual, Entrepreneur:
		if cert.Holder != certs.HolderIndividual {
			return wrapError(CodeCertificateIsNotForPrivate, "", fmt.Errorf("certificate issued to %s", cert.Holder))
		}
	case LegalEntity:
		if cert.Holder != certs.HolderLegalEntity {
			return wrapError(CodeCertificateIsNotForEnterprise, "", fmt.Errorf("certificate issued to %s", cert.Holder))
		}
		if _, err := o.ParseBIN(cert.BIN); err != nil {
			return err
		}
		if !cert.HasRole(certs.RoleCEO) {
			return wrapError(CodeNotEnterpriseHead, "", fmt.Errorf("roles %v", cert.Roles))
		}
	}
	return nil
}

// CheckAuthCertificate checks a log-in key: an authentication key (AUTH,
// or a GOST 2015-512 key, which serves both), valid at o.Now (and chained
// to o.Trust if set), naming a valid IIN.
func CheckAuthCertificate(cert *certs.Certificate, o CertOptions) error {
	if cert == nil || cert.X509 == nil {
		return wrapError(CodeCertificateNotValid, "", errors.New("no certificate"))
	}
	if !cert.Usage.Has(certs.UsageAuth) {
		return wrapError(CodeCertificateIsNotForAuth, "", fmt.Errorf("key for %s", cert.Usage))
	}
	if err := o.checkValidity(cert); err != nil {
		return err
	}
	if _, err := o.ParseIIN(cert.IIN); err != nil {
		return err
	}
	return nil
}

// CheckSigningCertificate checks who signed an action of the person with
// iin — an agreement, a change of e-mail, a new password: a signing key
// (RSA or GOST, an individual's or a legal entity's), valid at o.Now (and
// chained to o.Trust if set), of that very IIN. cert is the signer's
// certificate as the signature's verification returned it.
func CheckSigningCertificate(cert *certs.Certificate, iin string, o CertOptions) error {
	if cert == nil || cert.X509 == nil {
		return wrapError(CodeCertificateNotValid, "", errors.New("no signer certificate"))
	}
	if !cert.Usage.Has(certs.UsageSign) {
		return wrapError(CodeCertificateIsNotForSigning, "", fmt.Errorf("key for %s", cert.Usage))
	}
	if err := o.checkValidity(cert); err != nil {
		return err
	}
	if cert.IIN != iin {
		return wrapError(CodeIINNotValid, "", fmt.Errorf("signed by IIN %q, not %s", clip(cert.IIN), clip(iin)))
	}
	return nil
}
