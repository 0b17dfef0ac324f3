package mockserver_test

import (
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/mockserver"
)

// The processing step under a test's control: its timing, an error the
// next invoices get, and the step run at once.
func ExampleServer_InjectInvoiceError() {
	srv, err := mockserver.New(mockserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// IN_QUEUE for 2 s, IN_PROCESSING for 3 s, then decided.
	if err := srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: 2 * time.Second, Processing: 3 * time.Second}); err != nil {
		log.Fatal(err)
	}
	// The next two invoices uploaded FAIL with SELLER_IS_BLOCKED.
	if err := srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED", Count: 2}); err != nil {
		log.Fatal(err)
	}
	timing, _ := srv.InvoiceTiming()
	pending, _ := srv.InvoiceInjections()
	fmt.Println(timing.Queue, timing.Processing, pending[0].Code, pending[0].Stage, pending[0].Count)

	// Decide every queued invoice now, whatever the clock says.
	n, _ := srv.ProcessInvoices()
	fmt.Println("decided:", n)
	// Output:
	// 2s 3s SELLER_IS_BLOCKED processing 2
	// decided: 0
}
