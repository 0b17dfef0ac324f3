package esfclient

import (
	"context"
	"fmt"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// WaitOptions configure WaitForRegistration. The zero value polls every
// DefaultPollInterval on the real clock.
type WaitOptions struct {
	// Interval is the pause between two polls; zero means
	// DefaultPollInterval.
	Interval time.Duration
	// Sleep pauses for d, or until ctx is done (returning its error); nil
	// means a timer. Tests inject one that moves a mock's clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnStatus, if set, is called with the invoice's summary each time its
	// status changes, the first status seen included.
	OnStatus func(InvoiceSummary)
}

// DefaultPollInterval is how often WaitForRegistration polls by default.
const DefaultPollInterval = 2 * time.Second

// WaitForRegistration polls queryInvoiceSummaryById for the invoice id
// (an id syncInvoice accepted) until ESF decides, or ctx is done:
//
//   - a registration number, or a final status such as CREATED or
//     DELIVERED: the summary, nil;
//   - FAILED or DELETED: the summary and a *RegistrationError (errors.Is
//     ErrNotRegistered) with the errors queryInvoiceErrorById lists — or
//     the cancelReason as its code when it lists none;
//   - ctx done first: the last summary seen (nil if none) and ctx's error,
//     wrapped.
//
// An invoice not found yet (right after the upload), IN_QUEUE,
// IN_PROCESSING, or in a status this client does not know is waited for.
func (s *Session) WaitForRegistration(ctx context.Context, id int64, o WaitOptions) (*InvoiceSummary, error) {
	interval := o.Interval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var last *InvoiceSummary
	for {
		list, err := s.QueryInvoiceSummaryByID(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return last, fmt.Errorf("esfclient: waiting for invoice %d: %w", id, ctx.Err())
			}
			return last, err
		}
		var cur *InvoiceSummary
		for i := range list {
			if list[i].ID == id {
				cur = &list[i]
				break
			}
		}
		if cur != nil {
			if o.OnStatus != nil && (last == nil || last.Status != cur.Status) {
				o.OnStatus(*cur)
			}
			last = cur
			switch {
			case cur.RegistrationNumber != "":
				return cur, nil
			case cur.Status == StatusFailed || cur.Status == StatusDeleted:
				return cur, s.registrationError(ctx, *cur)
			case cur.Status.Known() && !cur.Status.Pending():
				return cur, nil
			}
		}
		if err := sleep(ctx, interval); err != nil {
			state := "not found yet"
			if last != nil {
				state = string(last.Status)
			}
			return last, fmt.Errorf("esfclient: invoice %d still %s: %w", id, state, err)
		}
	}
}

// registrationError is the *RegistrationError of an invoice that failed,
// with its errors from queryInvoiceErrorById.
func (s *Session) registrationError(ctx context.Context, sum InvoiceSummary) error {
	re := &RegistrationError{Summary: sum}
	if sum.Status == StatusFailed {
		list, err := s.QueryInvoiceErrorByID(ctx, sum.ID)
		if err != nil {
			return fmt.Errorf("esfclient: invoice %d FAILED; its errors: %w", sum.ID, err)
		}
		for _, ie := range list {
			if ie.ID == sum.ID || ie.ID == 0 {
				re.Errors = append(re.Errors, ie.Errors...)
			}
		}
	}
	if len(re.Errors) == 0 && sum.CancelReason != "" {
		re.Errors = esfreg.Errors{itemError("", sum.CancelReason, "")}
	}
	return re
}

// sleepCtx pauses for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
