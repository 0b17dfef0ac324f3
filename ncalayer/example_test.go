package ncalayer_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
)

// A test starts a headless NCALayer holding a key store and talks to it
// as a page would: the greeting, then a request and its reply.
func Example() {
	ks, err := certstest.OpenFixture(certstest.FixtureIndividualAuth)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := ncalayertest.New(ncalayer.Options{
		Keys: []*ncalayer.Key{{KeyStore: ks, Name: "AUTH_RSA256.p12"}},
		Now:  func() time.Time { return certstest.FixtureTime.Add(time.Hour) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.URL, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: srv.TLSConfig()}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ws.CloseNow()
	_, greeting, _ := ws.Read(ctx)
	fmt.Println(string(greeting))

	req := `{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["PKCS12","SIGNATURE","<login/>","",""]}`
	_ = ws.Write(ctx, websocket.MessageText, []byte(req))
	_, reply, _ := ws.Read(ctx)
	fmt.Println(string(reply)) // an AUTH key does not sign: nothing fits, the user can only cancel
	// Output:
	// {"result":{"version":"1.4"}}
	// {"code":"500","message":"action.canceled"}
}

// A scripted user: sign with the key of a given IIN, cancel otherwise.
func ExampleChooseFunc() {
	byIIN := func(iin string) ncalayer.ChooseFunc {
		return func(_ context.Context, p *ncalayer.Prompt) (*ncalayer.Key, error) {
			for _, k := range p.Keys {
				if k.KeyStore.Certificate.IIN == iin {
					return k, nil
				}
			}
			return nil, ncalayer.ErrCanceled
		}
	}
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	if err != nil {
		log.Fatal(err)
	}
	k := &ncalayer.Key{KeyStore: ks}
	choose := byIIN(certstest.TestIIN)
	got, err := choose(context.Background(), &ncalayer.Prompt{Keys: []*ncalayer.Key{k}})
	fmt.Println(got == k, err)
	_, err = byIIN("000000000000")(context.Background(), &ncalayer.Prompt{Keys: []*ncalayer.Key{k}})
	fmt.Println(err)
	// Output:
	// true <nil>
	// ncalayer: canceled by the user
}
