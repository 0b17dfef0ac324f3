package esfclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

// statusServer answers queryInvoiceSummaryById with the summaries of
// steps in turn (the last one from then on) and queryInvoiceErrorById
// with errs. A step "" answers no summary (not stored yet).
func statusServer(f *fakeESF, steps []string, errs string) func(int) (int, []byte) {
	polls := 0
	return func(n int) (int, []byte) {
		switch opOf(f.requests[n-1]) {
		case "queryInvoiceSummaryById":
			step := steps[min(polls, len(steps)-1)]
			polls++
			if step == "" {
				return http.StatusOK, envelope(`<ns2:queryInvoiceSummaryByIdResponse xmlns:ns2="esf"><invoiceSummaryList/></ns2:queryInvoiceSummaryByIdResponse>`)
			}
			return http.StatusOK, envelope(`<ns2:queryInvoiceSummaryByIdResponse xmlns:ns2="esf"><invoiceSummaryList>` +
				`<invoiceSummary><invoiceId>99</invoiceId><invoiceStatus>OTHER</invoiceStatus></invoiceSummary>` + // another invoice: ignored
				`<invoiceSummary><invoiceId>42</invoiceId><date>15.01.2026</date><num>1001</num>` + step + `</invoiceSummary></invoiceSummaryList></ns2:queryInvoiceSummaryByIdResponse>`)
		case "queryInvoiceErrorById":
			return http.StatusOK, envelope(`<ns2:queryInvoiceErrorByIdResponse xmlns:ns2="esf"><invoiceErrorList>` + errs + `</invoiceErrorList></ns2:queryInvoiceErrorByIdResponse>`)
		}
		return http.StatusBadRequest, nil
	}
}

func st(status string) string { return "<invoiceStatus>" + status + "</invoiceStatus>" }

// recorder is an injected sleep: it counts the pauses and never waits.
type recorder struct {
	pauses []time.Duration
	fail   func(n int) error
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.pauses = append(r.pauses, d)
	if r.fail != nil {
		return r.fail(len(r.pauses))
	}
	return ctx.Err()
}

func TestWaitForRegistration(t *testing.T) {
	failedErrs := `<invoiceError><invoiceId>42</invoiceId><errors><error><property>signature</property><errorCode>SIGNATURE_VERIFICATION_FAILED</errorCode><text>Подпись не прошла проверку</text></error></errors></invoiceError>`
	tests := []struct {
		name     string
		steps    []string
		errs     string
		statuses []InvoiceStatus // OnStatus calls
		polls    int
		check    func(t *testing.T, sum *InvoiceSummary, err error)
	}{
		{"queued, processed, registered",
			[]string{"", st("IN_QUEUE"), st("IN_QUEUE"), st("IN_PROCESSING"), st("CREATED") + "<registrationNumber>" + regNum + "</registrationNumber>"}, "",
			[]InvoiceStatus{StatusInQueue, StatusInProcessing, StatusCreated}, 5,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.NoError(t, err)
				assert.Equal(t, regNum, sum.RegistrationNumber)
				assert.Equal(t, int64(42), sum.ID)
			}},
		{"a status the client does not know is waited through",
			[]string{st("WAIT_BIOMETRICS_VERIFICATION"), st("DELIVERED") + "<registrationNumber>" + regNum + "</registrationNumber>"}, "",
			[]InvoiceStatus{"WAIT_BIOMETRICS_VERIFICATION", StatusDelivered}, 2,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.NoError(t, err)
				assert.Equal(t, StatusDelivered, sum.Status)
			}},
		{"a final status without a number ends the wait",
			[]string{st("IN_QUEUE"), st("CREATED")}, "",
			[]InvoiceStatus{StatusInQueue, StatusCreated}, 2,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.NoError(t, err)
				assert.Equal(t, StatusCreated, sum.Status)
			}},
		{"failed, with the heavy checks' errors",
			[]string{st("IN_PROCESSING"), st("FAILED") + "<cancelReason>SIGNATURE_VERIFICATION_FAILED</cancelReason>"}, failedErrs,
			[]InvoiceStatus{StatusInProcessing, StatusFailed}, 2,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.ErrorIs(t, err, ErrNotRegistered)
				require.ErrorIs(t, err, ErrSignatureVerificationFailed)
				assert.ErrorIs(t, err, &esfreg.Error{Code: CodeSignatureVerificationFailed, Field: "signature"})
				var re *RegistrationError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, StatusFailed, re.Summary.Status)
				assert.Equal(t, StatusFailed, sum.Status)
				assert.Equal(t, "esfclient: invoice 42 (1001 of 15.01.2026) is FAILED, not registered: esfreg: SIGNATURE_VERIFICATION_FAILED (signature): Подпись не прошла проверку", err.Error())
			}},
		{"failed, no errors listed: the cancel reason is the code",
			[]string{st("FAILED") + "<cancelReason>NDS_RATE_FOR_NOT_NDS_PAYER</cancelReason>"}, `<invoiceError><invoiceId>42</invoiceId></invoiceError>`,
			[]InvoiceStatus{StatusFailed}, 1,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.ErrorIs(t, err, ErrNotRegistered)
				assert.ErrorIs(t, err, ErrNDSRateForNotNDSPayer)
			}},
		{"deleted",
			[]string{st("DELETED")}, "",
			[]InvoiceStatus{StatusDeleted}, 1,
			func(t *testing.T, sum *InvoiceSummary, err error) {
				require.ErrorIs(t, err, ErrNotRegistered)
				assert.Equal(t, StatusDeleted, sum.Status)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeESF{}
			f.answer = statusServer(f, tt.steps, tt.errs)
			s := fakeSession(t, f)
			var seen []InvoiceStatus
			rec := &recorder{}
			sum, err := s.WaitForRegistration(context.Background(), 42, WaitOptions{Interval: 3 * time.Second, Sleep: rec.sleep,
				OnStatus: func(sum InvoiceSummary) { seen = append(seen, sum.Status) }})
			tt.check(t, sum, err)
			assert.Equal(t, tt.statuses, seen)
			assert.Len(t, rec.pauses, tt.polls-1)
			for _, d := range rec.pauses {
				assert.Equal(t, 3*time.Second, d)
			}
		})
	}
}

// The context's deadline ends the wait with the last status seen.
func TestWaitForRegistrationDeadline(t *testing.T) {
	f := &fakeESF{}
	f.answer = statusServer(f, []string{"", st("IN_QUEUE")}, "")
	s := fakeSession(t, f)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{fail: func(n int) error {
		if n == 3 {
			cancel()
			return context.DeadlineExceeded
		}
		return nil
	}}
	sum, err := s.WaitForRegistration(ctx, 42, WaitOptions{Sleep: rec.sleep})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "invoice 42 still IN_QUEUE")
	require.NotNil(t, sum)
	assert.Equal(t, StatusInQueue, sum.Status)
	assert.Equal(t, []time.Duration{DefaultPollInterval, DefaultPollInterval, DefaultPollInterval}, rec.pauses)

	// Never found: no summary; and the default sleep honours the deadline.
	f = &fakeESF{}
	f.answer = statusServer(f, []string{""}, "")
	s = fakeSession(t, f)
	ctx, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	start := time.Now()
	sum, err = s.WaitForRegistration(ctx, 42, WaitOptions{Interval: time.Hour})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, sum)
	assert.Contains(t, err.Error(), "not found yet")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// A refusal of the poll (the session closed) ends the wait with it.
func TestWaitForRegistrationRefused(t *testing.T) {
	s := fakeSession(t, always(http.StatusInternalServerError, readGolden(t, "fault-session-closed.response.xml")))
	_, err := s.WaitForRegistration(context.Background(), 42, WaitOptions{Sleep: (&recorder{}).sleep})
	require.ErrorIs(t, err, ErrSessionClosed)
	assert.False(t, strings.Contains(fmt.Sprint(err), "still"))
}
