package ncalayer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esfkit/esf/certs/certstest"
)

// FuzzDispatch feeds any frame to the request parser and dispatcher: it
// must answer every frame with one JSON object in one of NCALayer's
// envelopes, and never panic.
func FuzzDispatch(f *testing.F) {
	// Seeds: every request of the golden transcripts.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if req, ok := strings.CutPrefix(line, "> "); ok {
				f.Add([]byte(req))
			}
		}
	}
	f.Add([]byte(`{"module":"kz.gov.pki.knca.commonUtils","method":"signXmls","args":["PKCS12","ALL",[],"",""],"uuid":{"a":[1,null]}}`))
	f.Add([]byte(`{"module":"kz.gov.pki.knca.basics","method":"sign","apiVersion":"2.5","class":"Basics","args":{"format":"xml","data":["PGE+"],"signingParams":{"decode":"TRUE"},"signerParams":{"extKeyUsageOids":[],"chain":["MII"]}}}`))

	auth, err := certstest.OpenFixture(certstest.FixtureIndividualAuth)
	if err != nil {
		f.Fatal(err)
	}
	sign, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		f.Fatal(err)
	}
	now := certstest.FixtureTime.Add(time.Hour)
	s, err := New(Options{Plain: true, Now: func() time.Time { return now }, Keys: []*Key{
		{KeyStore: auth, Name: "auth"}, {KeyStore: sign, Name: "sign", Storage: StorageKaztoken}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := &conn{ctx: context.Background()}
		reply := s.answer(c, frame)
		if string(frame) == heartbeat {
			if string(reply) != heartbeat {
				t.Fatalf("heartbeat answered %q", reply)
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal(reply, &m); err != nil {
			t.Fatalf("reply is not a JSON object: %v: %s", err, reply)
		}
		_, code := m["code"]
		_, status := m["status"]
		_, success := m["success"]
		if !code && !status && !success {
			t.Fatalf("reply in no envelope: %s", reply)
		}
		if strings.Contains(string(reply), "</") {
			t.Fatalf("reply writes </ unescaped: %s", reply)
		}
	})
}
