package cms_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/internal/testref"
)

// FuzzVerify feeds Verify (and DecodePEM before it) anything: it must not
// panic, and whatever verifies has a signer and its content.
func FuzzVerify(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	if root, ok := testref.SharedDir(); ok {
		for _, s := range realSamples() {
			if data, err := os.ReadFile(filepath.Join(root, "reference", "nca-test-certs", s.path)); err == nil {
				f.Add(data, []byte(s.detached))
			}
		}
	}
	for _, name := range []string{certstest.FixtureIndividualSign, certstest.FixtureGOSTCEO, certstest.FixtureGOST2004CEO} {
		s := fixtureSigner(f, name)
		for _, detached := range []bool{false, true} {
			der, err := cms.Sign(document, s.signer, s.cert, cms.SignOptions{Detached: detached, SigningTime: fixtureTime})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der, document)
			f.Add(cms.EncodePEM(der), []byte(nil))
		}
	}
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0}, []byte(nil))
	f.Fuzz(func(t *testing.T, data, content []byte) {
		der, err := cms.DecodePEM(data)
		if err != nil {
			return
		}
		opts := cms.VerifyOptions{}
		if len(content) > 0 {
			opts.Content = content
		}
		all, err := cms.VerifyAll(der, opts)
		if err != nil {
			return
		}
		for _, v := range all {
			if v.Signer == nil || v.ContentType == nil || v.Detached && len(opts.Content) != len(v.Content) {
				t.Fatalf("verified without a signer or content type, or other content: %+v", v)
			}
			for _, ts := range v.TimeStamps {
				if ts.Signer == nil || ts.Time.IsZero() {
					t.Fatalf("a time-stamp without its authority or time: %+v", ts)
				}
			}
		}
	})
}
