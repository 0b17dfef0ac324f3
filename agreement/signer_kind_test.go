package agreement_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

// TestSignerKind: the signing certificate's kind must fit the agreement's
// kind (RuleHolder), in Sign (CheckSigner) and in Verify alike. A personal
// agreement (individual, entrepreneur) wants a personal key — with one
// exception, the head's own individual agreement signed with his head's
// (CEO) key (domain.md, registration step 3), which Verify accepts only
// beside his entity's agreement (Policy.HeadOf) — and a legal entity's
// agreement its head's key. Every key here has the participant's IIN (and
// BIN), so only the kind decides.
func TestSignerKind(t *testing.T) {
	ca, err := certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand("signer kind")})
	require.NoError(t, err)
	vo, err := ca.VerifyOptions()
	require.NoError(t, err)
	pol := agreement.Policy{Chain: vo, Now: clock}

	// The participants' IINs: requisites() names TestIIN for the
	// individual and the legal entity, TestIIN2 for the entrepreneur.
	iin := map[agreement.Kind]string{
		agreement.Individual:   certstest.TestIIN,
		agreement.Entrepreneur: certstest.TestIIN2,
		agreement.LegalEntity:  certstest.TestIIN,
	}
	for _, tc := range []struct {
		name   string
		kind   agreement.Kind
		key    certstest.Kind
		refuse bool
		holder certs.Holder // the holder the error reports, when refused
	}{
		{"individual agreement, individual key", agreement.Individual, certstest.KindIndividual, false, 0},
		{"individual agreement, entrepreneur key", agreement.Individual, certstest.KindEntrepreneur, false, 0},
		{"individual agreement, the head's own CEO key", agreement.Individual, certstest.KindCEO, false, 0},
		{"individual agreement, CAN_SIGN key of a legal entity", agreement.Individual, certstest.KindCanSign, true, certs.HolderLegalEntity},
		{"individual agreement, EMPLOYEE key of a legal entity", agreement.Individual, certstest.KindEmployee, true, certs.HolderLegalEntity},
		{"entrepreneur agreement, entrepreneur key", agreement.Entrepreneur, certstest.KindEntrepreneur, false, 0},
		{"entrepreneur agreement, individual key", agreement.Entrepreneur, certstest.KindIndividual, false, 0},
		{"entrepreneur agreement, CEO key", agreement.Entrepreneur, certstest.KindCEO, true, certs.HolderLegalEntity},
		{"entrepreneur agreement, CAN_SIGN key of a legal entity", agreement.Entrepreneur, certstest.KindCanSign, true, certs.HolderLegalEntity},
		{"entrepreneur agreement, EMPLOYEE key of a legal entity", agreement.Entrepreneur, certstest.KindEmployee, true, certs.HolderLegalEntity},
		{"legal-entity agreement, CEO key", agreement.LegalEntity, certstest.KindCEO, false, 0},
		{"legal-entity agreement, individual key", agreement.LegalEntity, certstest.KindIndividual, true, certs.HolderIndividual},
		{"legal-entity agreement, entrepreneur key", agreement.LegalEntity, certstest.KindEntrepreneur, true, certs.HolderIndividual},
		{"legal-entity agreement, CAN_SIGN key", agreement.LegalEntity, certstest.KindCanSign, true, certs.HolderLegalEntity},
		{"legal-entity agreement, EMPLOYEE key", agreement.LegalEntity, certstest.KindEmployee, true, certs.HolderLegalEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is, err := ca.Issue(certstest.Profile{Kind: tc.key, Usage: certs.UsageSign, IIN: iin[tc.kind]})
			require.NoError(t, err)
			a := newAgreement(t, tc.kind, agreement.Russian)

			// Sign checks the signer first (CheckSigner).
			_, signErr := agreement.Sign(a, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: clock})
			// Verify applies the same rule to a document signed anyway.
			doc, err := a.XML()
			require.NoError(t, err)
			signed, err := xmlsig.Sign(doc, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: func() time.Time { return is.Certificate.NotBefore.Add(time.Hour) }})
			require.NoError(t, err)
			_, verifyErr := agreement.Verify(signed, pol)

			if tc.kind == agreement.Individual && tc.key == certstest.KindCEO {
				// The head's own agreement: Sign lets the head sign it with
				// his key; Verify accepts that only beside the entity's
				// agreement, which Policy.HeadOf names.
				require.NoError(t, signErr)
				var ke *agreement.SignerKindError
				require.ErrorAs(t, verifyErr, &ke, "an individual's agreement with a CEO key, no HeadOf")
				assert.Contains(t, verifyErr.Error(), "Policy.HeadOf")
				other := pol
				other.HeadOf = "000000000000"
				_, err := agreement.Verify(signed, other)
				require.ErrorAs(t, err, &ke, "HeadOf another BIN")
				beside := pol
				beside.HeadOf = is.Certificate.BIN
				_, err = agreement.Verify(signed, beside)
				require.NoError(t, err, "HeadOf the key's BIN")
				return
			}
			if !tc.refuse {
				require.NoError(t, signErr)
				require.NoError(t, verifyErr)
				require.NoError(t, agreement.CheckSignerKind(tc.kind, is.Certificate))
				return
			}
			for step, err := range map[string]error{"Sign": signErr, "Verify": verifyErr} {
				var pe *agreement.PolicyError
				require.ErrorAs(t, err, &pe, step)
				assert.Equal(t, agreement.RuleHolder, pe.Rule, "%s: %v", step, err)
				var ke *agreement.SignerKindError
				require.ErrorAs(t, err, &ke, "%s: the cause names the kinds: %v", step, err)
				assert.Equal(t, tc.kind, ke.Kind, step)
				assert.Equal(t, tc.holder, ke.Holder, step)
				assert.Equal(t, is.Certificate.Roles, ke.Roles, step)
				assert.Equal(t, is.Certificate.BIN, ke.BIN, step)
			}
			var ke *agreement.SignerKindError
			require.ErrorAs(t, agreement.CheckSignerKind(tc.kind, is.Certificate), &ke)
		})
	}
}

// TestInsecureSkipChain: Policy.InsecureSkipChain skips the chain rule
// alone — a signer no CA vouches for passes, with no Chain — while every
// other rule, the signer's kind included, still applies.
func TestInsecureSkipChain(t *testing.T) {
	ca, err := certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand("skip chain")})
	require.NoError(t, err)
	pol := agreement.Policy{Now: clock} // no roots: the chain rule fails
	for _, tc := range []struct {
		name string
		key  certstest.Kind
		skip bool
		rule agreement.Rule // "" = accepted
	}{
		{"chain checked, no roots", certstest.KindIndividual, false, agreement.RuleChain},
		{"chain skipped", certstest.KindIndividual, true, ""},
		{"chain skipped, the signer's kind still checked", certstest.KindEmployee, true, agreement.RuleHolder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is, err := ca.Issue(certstest.Profile{Kind: tc.key, Usage: certs.UsageSign})
			require.NoError(t, err)
			doc, err := newAgreement(t, agreement.Individual, agreement.Russian).XML()
			require.NoError(t, err)
			signed, err := xmlsig.Sign(doc, is.PrivateKey, is.Certificate, xmlsig.SignOptions{Now: clock})
			require.NoError(t, err)
			p := pol
			p.InsecureSkipChain = tc.skip
			v, err := agreement.Verify(signed, p)
			if tc.rule == "" {
				require.NoError(t, err)
				assert.Nil(t, v.Chain, "no chain was built")
				assert.Equal(t, is.Certificate.X509.Raw, v.Signer.X509.Raw)
				return
			}
			var pe *agreement.PolicyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.rule, pe.Rule, err.Error())
		})
	}
}
