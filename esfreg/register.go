package esfreg

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Taxpayer is a taxpayer as ESF holds it, copied from the tax authority's
// register ("Информация о пользователе полученная из ЕХД"): the fields of
// ESF's Taxpayer type (esf-api.md §1.7) with their JSON names. A legal
// entity's TIN is its BIN and EnterpriseAdministrator its first head's
// IIN; an entrepreneur's TIN is his IIN. Settlement accounts are left out.
type Taxpayer struct {
	TIN          string `json:"tin"`
	NameRu       string `json:"nameRu,omitempty"`
	NameKz       string `json:"nameKz,omitempty"`
	LastNameRu   string `json:"lastNameRu,omitempty"`
	FirstNameRu  string `json:"firstNameRu,omitempty"`
	MiddleNameRu string `json:"middleNameRu,omitempty"`
	LastNameKz   string `json:"lastNameKz,omitempty"`
	FirstNameKz  string `json:"firstNameKz,omitempty"`
	MiddleNameKz string `json:"middleNameKz,omitempty"`
	AddressRu    string `json:"addressRu,omitempty"`
	AddressKz    string `json:"addressKz,omitempty"`
	// CertificateSeries and CertificateNum are the VAT registration
	// certificate's (свидетельство о постановке на учёт по НДС).
	CertificateSeries string `json:"certificateSeries,omitempty"`
	CertificateNum    string `json:"certificateNum,omitempty"`
	Resident          bool   `json:"resident"`
	// HeadOffice is the head office's BIN, for a branch.
	HeadOffice   string         `json:"headOffice,omitempty"`
	Type         EnterpriseType `json:"type,omitempty"`
	ResourceUser bool           `json:"resourceUser"`
	// EnterpriseAdministrator is the IIN of the legal entity's first head
	// ("ИИН директора предприятия").
	EnterpriseAdministrator string `json:"enterpriseAdministrator,omitempty"`
	BudgetIIN               string `json:"budgetIin,omitempty"`
	// KOGD is the code of the tax office (КОГД).
	KOGD string `json:"kogd,omitempty"`
}

// IsEntrepreneur reports whether the register lists t as an individual
// entrepreneur.
func (t Taxpayer) IsEntrepreneur() bool { return t.Type == EnterpriseIndividualEntrepreneur }

// IsLegalEntity reports whether the register lists t as a legal entity.
func (t Taxpayer) IsLegalEntity() bool { return t.Type.IsLegalEntity() }

// Name returns NameRu, or the Russian surname, name and patronymic.
func (t Taxpayer) Name() string {
	if t.NameRu != "" {
		return t.NameRu
	}
	return strings.Join(slices.DeleteFunc([]string{t.LastNameRu, t.FirstNameRu, t.MiddleNameRu},
		func(s string) bool { return s == "" }), " ")
}

// Change is one change to the tax register: a taxpayer's record as it is
// after the change, or its removal. ESF sees it from EffectiveAt on.
type Change struct {
	// Taxpayer is the whole record after the change. For a removal only
	// its TIN counts.
	Taxpayer Taxpayer `json:"taxpayer"`
	// Removed says the taxpayer leaves the register.
	Removed bool `json:"removed,omitempty"`
	// StagedAt is when the change was made in the state register.
	StagedAt time.Time `json:"stagedAt"`
	// EffectiveAt is when ESF sees it: NextRefresh(StagedAt) for a staged
	// change, StagedAt for a published one.
	EffectiveAt time.Time `json:"effectiveAt"`
}

// StagedChange returns the change of t made in the state register at
// stagedAt, which ESF sees at the next refresh (NextRefresh).
func StagedChange(t Taxpayer, stagedAt time.Time) Change {
	return Change{Taxpayer: t, StagedAt: stagedAt, EffectiveAt: NextRefresh(stagedAt)}
}

// PublishedChange returns t as ESF already sees it at at: the state of the
// register before a test starts, say.
func PublishedChange(t Taxpayer, at time.Time) Change {
	return Change{Taxpayer: t, StagedAt: at, EffectiveAt: at}
}

// TaxpayerAt folds the changes of one TIN into the record ESF sees at now:
// among the changes effective at now, the one effective last (the one
// added last among equals) decides. It reports false when no change is
// effective yet or the deciding one is a removal.
func TaxpayerAt(changes []Change, now time.Time) (Taxpayer, bool) {
	var (
		best  Change
		found bool
	)
	for _, c := range changes {
		if c.EffectiveAt.After(now) {
			continue
		}
		if !found || !c.EffectiveAt.Before(best.EffectiveAt) {
			best, found = c, true
		}
	}
	if !found || best.Removed {
		return Taxpayer{}, false
	}
	return best.Taxpayer, true
}

// checkTaxpayer checks a record before it enters the register: a TIN of
// the right kind for its type, and a head's IIN.
func (o IDOptions) checkTaxpayer(t Taxpayer) error {
	var errs Errors
	switch {
	case t.Type.IsLegalEntity():
		if _, err := o.ParseBIN(t.TIN); err != nil {
			errs = append(errs, fieldError(err, "tin"))
		}
	case t.Type == EnterpriseIndividual || t.Type == EnterpriseIndividualEntrepreneur:
		if _, err := o.ParseIIN(t.TIN); err != nil {
			errs = append(errs, fieldError(err, "tin"))
		}
	default:
		_, e1 := o.ParseIIN(t.TIN)
		_, e2 := o.ParseBIN(t.TIN)
		if e1 != nil && e2 != nil {
			errs = append(errs, fieldError(e2, "tin"))
		}
	}
	if t.EnterpriseAdministrator != "" {
		if _, err := o.ParseIIN(t.EnterpriseAdministrator); err != nil {
			errs = append(errs, fieldError(err, "enterpriseAdministrator"))
		}
	}
	return errs.err()
}

// fieldError returns err, an *Error, with its Field replaced.
func fieldError(err error, field string) *Error {
	e, ok := err.(*Error)
	if !ok {
		return wrapError(CodeFieldInvalid, field, err)
	}
	c := *e
	c.Field = field
	return &c
}

// Taxpayer returns the taxpayer with tin as ESF sees it now: the register
// as of its last refresh, plus published changes. A TIN it does not list
// is ErrTaxpayerNotFound.
func (s *Service) Taxpayer(ctx context.Context, tin string) (Taxpayer, error) {
	now := s.now()
	var (
		t  Taxpayer
		ok bool
	)
	err := s.view(ctx, func(tx Tx) error {
		var err error
		t, ok, err = taxpayerAt(tx, tin, now)
		return err
	})
	if err != nil {
		return Taxpayer{}, err
	}
	if !ok {
		return Taxpayer{}, NewError(CodeTaxpayerNotFound, "tin")
	}
	return t, nil
}

func taxpayerAt(tx Tx, tin string, now time.Time) (Taxpayer, bool, error) {
	changes, err := tx.Changes(tin)
	if err != nil {
		return Taxpayer{}, false, storeError("register", err)
	}
	t, ok := TaxpayerAt(changes, now)
	return t, ok, nil
}

// StageTaxpayer records a change made in the state register now: a new or
// changed taxpayer, which ESF sees from the next refresh on (Monday,
// Wednesday or Friday, 00:00 Almaty). It returns the change.
func (s *Service) StageTaxpayer(ctx context.Context, t Taxpayer) (Change, error) {
	return s.addChange(ctx, t, false, false)
}

// PublishTaxpayer puts t into ESF's copy of the register at once, as if a
// refresh had already brought it: for seeding a register.
func (s *Service) PublishTaxpayer(ctx context.Context, t Taxpayer) (Change, error) {
	return s.addChange(ctx, t, false, true)
}

// RemoveTaxpayer records the removal of tin from the state register now;
// ESF still lists the taxpayer until the next refresh.
func (s *Service) RemoveTaxpayer(ctx context.Context, tin string) (Change, error) {
	return s.addChange(ctx, Taxpayer{TIN: tin}, true, false)
}

// CheckTaxpayer checks a register record as StageTaxpayer and
// PublishTaxpayer would, without adding it.
func (s *Service) CheckTaxpayer(t Taxpayer) error { return s.ids.checkTaxpayer(t) }

func (s *Service) addChange(ctx context.Context, t Taxpayer, removed, publish bool) (Change, error) {
	if !removed {
		if err := s.ids.checkTaxpayer(t); err != nil {
			return Change{}, err
		}
	}
	now := s.now()
	c := StagedChange(t, now)
	if publish {
		c = PublishedChange(t, now)
	}
	c.Removed = removed
	err := s.update(ctx, func(tx Tx) error {
		if err := tx.AddChange(c); err != nil {
			return storeError("register", err)
		}
		return nil
	})
	if err != nil {
		return Change{}, err
	}
	return c, nil
}

// PendingChanges returns the changes ESF does not see yet, by EffectiveAt.
func (s *Service) PendingChanges(ctx context.Context) ([]Change, error) {
	var all []Change
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if all, err = tx.AllChanges(); err != nil {
			return storeError("register", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	pending := slices.DeleteFunc(all, func(c Change) bool { return !c.EffectiveAt.After(now) })
	slices.SortStableFunc(pending, func(a, b Change) int { return a.EffectiveAt.Compare(b.EffectiveAt) })
	return pending, nil
}
