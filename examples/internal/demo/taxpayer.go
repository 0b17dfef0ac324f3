package demo

import (
	"fmt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
)

// TaxpayerOf is the register record that a registration in category c
// with cert needs, built from the certificate: for a legal entity its BIN
// and name (O=…), with the certificate's IIN as first head when it is a
// first head's (CEO) certificate; for an entrepreneur his IIN and name.
// An individual needs none (ok is false), nor does a certificate that
// names no BIN or IIN.
func TaxpayerOf(c esfreg.Category, cert *certs.Certificate) (t esfreg.Taxpayer, ok bool) {
	switch {
	case c == esfreg.LegalEntity && cert.BIN != "":
		head := ""
		if cert.HasRole(certs.RoleCEO) {
			head = cert.IIN
		}
		return CompanyOf(cert).Record(head), true
	case c == esfreg.Entrepreneur && cert.IIN != "":
		return esfreg.Taxpayer{TIN: cert.IIN, LastNameRu: cert.Surname, FirstNameRu: cert.FirstName, MiddleNameRu: cert.Patronymic,
			Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true, AddressRu: Address}, true
	}
	return esfreg.Taxpayer{}, false
}

// EnsureTaxpayer makes the mock's tax register hold what registering in
// category c with cert needs. When the register has a record of the
// certificate's BIN (legal entity) or IIN (entrepreneur) it says so and
// changes nothing; when it has none it publishes TaxpayerOf and prints it
// as a step. On a server without the control API (or that refuses this
// client: 404, 401, 403) it says the record must be in the server's own
// register, and goes on.
func (e *Env) EnsureTaxpayer(c esfreg.Category, cert *certs.Certificate) error {
	want, ok := TaxpayerOf(c, cert)
	if !ok {
		return nil
	}
	kind := "ИИН"
	if c == esfreg.LegalEntity {
		kind = "БИН"
	}
	if e.Control == nil {
		e.Step("Справочник налогоплательщиков: запись %s %s не проверена (у сервера нет /_mock/: нужна запись в его справочнике)", kind, want.TIN)
		return nil
	}
	have, known, err := e.Control.Taxpayer(e.ctx, want.TIN)
	if Unavailable(err) {
		e.Step("Справочник налогоплательщиков: запись %s %s не проверена (%s: нужна запись в справочнике сервера)", kind, want.TIN, controlCause(err))
		return nil
	} else if err != nil {
		return fmt.Errorf("the register record of %s %s: %w", kind, want.TIN, err)
	}
	if known {
		e.Step("Справочник налогоплательщиков: %s %s есть в справочнике ЭСФ", kind, want.TIN)
		e.Printf("  %s (%s; запись не меняется)\n", TaxpayerLine(have), have.Type)
		return nil
	}
	if err := e.Control.SeedTaxpayer(e.ctx, want, true); Unavailable(err) {
		e.Step("Справочник налогоплательщиков: записи %s %s нет, добавить её не удалось (%s)", kind, want.TIN, controlCause(err))
		return nil
	} else if err != nil {
		return fmt.Errorf("publishing the register record of %s %s: %w", kind, want.TIN, err)
	}
	e.Step("Справочник налогоплательщиков: записи %s %s не было, добавлена по сертификату", kind, want.TIN)
	e.Printf("  %s (%s, в справочнике ЭСФ)\n", TaxpayerLine(want), want.Type)
	return nil
}
