package xmlsig_test

import (
	"os"
	"testing"

	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/xmlsig"
)

func FuzzVerify(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	if _, ok := testref.SharedDir(); ok {
		for path := range realSigned(f) {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(ticket))
	f.Add([]byte(`<a><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></a>`))
	for _, c := range wellFormednessCases(f, signedTicket(f)) {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		all, err := xmlsig.VerifyAll(doc, xmlsig.VerifyOptions{})
		if err == nil {
			for _, v := range all {
				if v.Signer == nil || len(v.Signed) == 0 {
					t.Fatal("verified without a signer or signed bytes")
				}
			}
		}
	})
}
