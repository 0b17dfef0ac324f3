package agreement

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/xmlsig"
)

// Rule names a check of the Policy.
type Rule string

// The rules Verify applies, in order.
const (
	RuleSignature  Rule = "signature"   // the XML signature itself
	RuleDocument   Rule = "document"    // what was signed is an agreement
	RuleKind       Rule = "kind"        // the agreement is of Policy.Kind
	RuleSigningKey Rule = "signing-key" // a signing key, not AUTH-only
	RuleIIN        Rule = "iin"         // the signer's IIN is the participant's
	RuleHolder     Rule = "holder"      // the key's holder fits the kind (a head's key for a legal entity)
	RuleBIN        Rule = "bin"         // the signer's BIN is the legal entity's
	RuleChain      Rule = "chain"       // chain, time and revocation (certs.Verify)
)

// PolicyError says which rule a signed agreement broke.
type PolicyError struct {
	Rule Rule
	Err  error
}

// Error returns "agreement: RULE: cause".
func (e *PolicyError) Error() string { return fmt.Sprintf("agreement: %s: %v", e.Rule, e.Err) }

// Unwrap returns the cause (an xmlsig or certs error where there is one).
func (e *PolicyError) Unwrap() error { return e.Err }

// Policy is what a signed agreement must satisfy. Its zero value trusts no
// CA, so the chain rule fails: give Chain.Roots (NCA's CAs, or a test PKI's).
type Policy struct {
	// Chain holds the trust anchors, intermediates and CRLs; its
	// CurrentTime is replaced by Now.
	Chain certs.VerifyOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Kind, if set, is the kind the agreement must be.
	Kind Kind
	// MaxSize limits the document (xmlsig.DefaultMaxSize when zero).
	MaxSize int
}

// Verified is a signed agreement that passed the policy.
type Verified struct {
	Agreement *Agreement
	Signer    *certs.Certificate
	Chain     []*certs.Certificate
	// Signed is the canonical signed document the Agreement was read from.
	Signed []byte
}

// Verify checks a signed agreement (exactly one signature) against p.
func Verify(doc []byte, p Policy) (*Verified, error) {
	v, err := xmlsig.Verify(doc, xmlsig.VerifyOptions{MaxSize: p.MaxSize})
	if err != nil {
		return nil, &PolicyError{RuleSignature, err}
	}
	a, err := Parse(v.Signed)
	if err != nil {
		return nil, &PolicyError{RuleDocument, err}
	}
	if p.Kind != 0 && a.Kind != p.Kind {
		return nil, &PolicyError{RuleKind, fmt.Errorf("a %s agreement, %s expected", a.Kind, p.Kind)}
	}
	if err := CheckSigner(a, v.Signer); err != nil {
		return nil, err
	}
	opts := p.Chain
	opts.CurrentTime = now(p.Now)
	opts.Usage = certs.UsageSign
	chain, err := certs.Verify(v.Signer, opts)
	if err != nil {
		return nil, &PolicyError{RuleChain, err}
	}
	return &Verified{Agreement: a, Signer: v.Signer, Chain: chain, Signed: v.Signed}, nil
}

// CheckSigner applies the rules about who may sign a: a signing key of the
// participant's IIN; for a legal entity, the head's (CEO) key of its BIN.
// A head's legal-entity key may sign his own individual agreement.
func CheckSigner(a *Agreement, c *certs.Certificate) error {
	switch {
	case !c.Usage.Has(certs.UsageSign):
		return &PolicyError{RuleSigningKey, fmt.Errorf("the key is issued for %s; an agreement is signed with a signing key", c.Usage)}
	case c.IIN != a.Requisites.IIN:
		return &PolicyError{RuleIIN, fmt.Errorf("signed by IIN %q, the participant is IIN %s", c.IIN, a.Requisites.IIN)}
	}
	if a.Kind == LegalEntity {
		switch {
		case c.Holder != certs.HolderLegalEntity || !c.HasRole(certs.RoleCEO):
			return &PolicyError{RuleHolder, errors.New("a legal entity's agreement is signed with its head's (CEO) key")}
		case c.BIN != a.Requisites.BIN:
			return &PolicyError{RuleBIN, fmt.Errorf("signed for BIN %q, the legal entity is BIN %s", c.BIN, a.Requisites.BIN)}
		}
	}
	return nil
}

// Sign renders a and signs it with signer, whose certificate is cert,
// after checking that cert may sign it (CheckSigner).
func Sign(a *Agreement, signer crypto.Signer, cert *certs.Certificate, opts xmlsig.SignOptions) ([]byte, error) {
	doc, err := a.tree()
	if err != nil {
		return nil, err
	}
	if err := CheckSigner(a, cert); err != nil {
		return nil, err
	}
	return xmlsig.SignTree(doc, signer, cert, opts)
}

func now(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now()
	}
	return clock()
}
