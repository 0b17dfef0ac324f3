package agreement

import (
	"crypto"
	"fmt"
	"slices"
	"strings"
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
	RuleHolder     Rule = "holder"      // the key's kind fits the agreement's kind (CheckSignerKind; cause *SignerKindError)
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
	// InsecureSkipChain skips RuleChain: the signer's certificate is not
	// checked against any CA, nor its validity period, nor revocation, and
	// Chain is ignored. Every other rule still applies. The signer is then
	// whoever the document's own certificate claims to be: only for tools
	// that inspect a signature and say the chain was not checked (esf
	// agreement verify --no-chain), never for accepting an agreement.
	InsecureSkipChain bool
	// HeadOf, if set, is the BIN of a legal entity whose agreement the
	// individual's agreement was signed beside, in one registration: the
	// head's key of that BIN (CEO role) may then sign the individual's
	// agreement too, as the portal has a head not yet registered as an
	// individual do with the one key he registers with. Unset, an
	// individual's agreement needs a personal key.
	HeadOf string
}

// Verified is a signed agreement that passed the policy.
type Verified struct {
	Agreement *Agreement
	Signer    *certs.Certificate
	// Chain is the signer's chain; nil with Policy.InsecureSkipChain.
	Chain []*certs.Certificate
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
	if c := v.Signer; a.Kind == Individual && c.Holder != certs.HolderIndividual && (p.HeadOf == "" || c.BIN != p.HeadOf) {
		return nil, &PolicyError{RuleHolder, &SignerKindError{Kind: a.Kind, Holder: c.Holder, BIN: c.BIN, Roles: c.Roles, HeadOf: p.HeadOf}}
	}
	if p.InsecureSkipChain {
		return &Verified{Agreement: a, Signer: v.Signer, Signed: v.Signed}, nil
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

// CheckSigner applies the rules about who may sign a: a signing key
// (RuleSigningKey) of the participant's IIN (RuleIIN), of a kind that fits
// the agreement's (RuleHolder, CheckSignerKind), and for a legal entity of
// its BIN (RuleBIN). Sign and Verify both apply it.
func CheckSigner(a *Agreement, c *certs.Certificate) error {
	switch {
	case !c.Usage.Has(certs.UsageSign):
		return &PolicyError{RuleSigningKey, fmt.Errorf("the key is issued for %s; an agreement is signed with a signing key", c.Usage)}
	case c.IIN != a.Requisites.IIN:
		return &PolicyError{RuleIIN, fmt.Errorf("signed by IIN %q, the participant is IIN %s", c.IIN, a.Requisites.IIN)}
	}
	if err := CheckSignerKind(a.Kind, c); err != nil {
		return &PolicyError{RuleHolder, err}
	}
	if a.Kind == LegalEntity && c.BIN != a.Requisites.BIN {
		return &PolicyError{RuleBIN, fmt.Errorf("signed for BIN %q, the legal entity is BIN %s", c.BIN, a.Requisites.BIN)}
	}
	return nil
}

// CheckSignerKind checks that a certificate of c's kind may sign an
// agreement of kind k, and returns a *SignerKindError if not:
//
//   - Individual: a personal key — an individual's certificate (Holder
//     individual; no BIN) — or the head's key (a legal entity's
//     certificate with the CEO role): a head not yet registered as an
//     individual signs his own agreement beside the legal entity's, with
//     the key he registers with (domain.md, registration step 3). A legal
//     entity's other keys (CAN_SIGN, EMPLOYEE …) are refused.
//   - Entrepreneur: a personal key only. NCA issues an entrepreneur (ИП)
//     an individual's certificate; a legal entity's key of any role is
//     refused.
//   - LegalEntity: the head's key: a legal entity's certificate with the
//     CEO role (its BIN is RuleBIN's part).
//
// It checks the kind alone; CheckSigner adds the usage, IIN and BIN.
func CheckSignerKind(k Kind, c *certs.Certificate) error {
	personal := c.Holder == certs.HolderIndividual
	head := c.Holder == certs.HolderLegalEntity && c.HasRole(certs.RoleCEO)
	ok := false
	switch k {
	case Individual:
		ok = personal || head
	case Entrepreneur:
		ok = personal
	case LegalEntity:
		ok = head
	}
	if ok {
		return nil
	}
	return &SignerKindError{Kind: k, Holder: c.Holder, BIN: c.BIN, Roles: slices.Clone(c.Roles)}
}

// SignerKindError says that a signing certificate's kind does not fit the
// agreement's: which kind was given and which the agreement needs. It is
// the cause of a RuleHolder PolicyError.
type SignerKindError struct {
	Kind   Kind         // the agreement's kind
	Holder certs.Holder // the signing certificate's holder
	BIN    string       // its BIN (a legal entity's certificate)
	Roles  []certs.Role // its NCA roles
	// HeadOf is Policy.HeadOf when Verify refused an individual's
	// agreement signed with a legal entity's key: the BIN whose head's key
	// it would have accepted, or empty.
	HeadOf string
}

// Error says what signed and what is needed, e.g. "the individual
// agreement is signed with a legal entity's key without the CEO role (BIN
// 123456789021, roles ORGANIZATION, EMPLOYEE); it needs a personal key …".
func (e *SignerKindError) Error() string {
	return fmt.Sprintf("the %s agreement is signed with %s; it needs %s", e.Kind, e.given(), e.needed())
}

func (e *SignerKindError) given() string {
	roles := make([]string, len(e.Roles))
	for i, r := range e.Roles {
		roles[i] = string(r)
	}
	desc := fmt.Sprintf("BIN %q, roles %s", e.BIN, strings.Join(roles, ", "))
	if len(roles) == 0 {
		desc = fmt.Sprintf("BIN %q, no roles", e.BIN)
	}
	switch {
	case e.Holder == certs.HolderIndividual:
		return "a personal key (an individual's certificate)"
	case e.Holder == certs.HolderLegalEntity && slices.Contains(e.Roles, certs.RoleCEO):
		return "a legal entity's head (CEO) key (" + desc + ")"
	case e.Holder == certs.HolderLegalEntity:
		return "a legal entity's key without the CEO role (" + desc + ")"
	}
	return "a certificate of no known holder (neither an individual's nor a legal entity's)"
}

func (e *SignerKindError) needed() string {
	switch e.Kind {
	case Individual:
		if e.Holder == certs.HolderLegalEntity && slices.Contains(e.Roles, certs.RoleCEO) {
			if e.HeadOf != "" {
				return fmt.Sprintf("a personal key (an individual's certificate), or the head's key of BIN %s, whose agreement it was signed beside", e.HeadOf)
			}
			return "a personal key (an individual's certificate); the head's key signs it only beside his legal entity's agreement (Policy.HeadOf)"
		}
		return "a personal key (an individual's certificate) or, for the head's own agreement, his head's (CEO) key"
	case Entrepreneur:
		return "a personal key (an individual's certificate, as NCA issues to an entrepreneur)"
	case LegalEntity:
		return "the head's key (a legal entity's certificate with the CEO role)"
	}
	return "a known agreement kind"
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
