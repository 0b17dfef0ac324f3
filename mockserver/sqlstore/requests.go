package sqlstore

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
)

// A registration request is stored in two tables: requests (id, data)
// holds its JSON without the signed agreements, and request_agreements
// (request_id, seq, agreement, signer, document) one row per signed
// agreement, in order: the agreement's JSON, the signer's certificate as
// DER (NULL when none) and the signed document as it came. The documents
// are most of a request's bytes; kept apart, they are written once, when
// the request is made, and never again as base64 inside JSON — the
// completion that changes the request's status rewrites its small row
// only.

// agreementRow is one row of request_agreements after request_id and seq.
type agreementRow struct {
	agreement, signer, document []byte
	// seq is the row's seq where the export reads it.
	seq int64
}

// agreementRows returns the rows of a request's signed agreements.
func agreementRows(op, id string, signed []esfreg.SignedAgreement) ([]agreementRow, error) {
	rows := make([]agreementRow, len(signed))
	for i, sa := range signed {
		a, err := json.Marshal(sa.Agreement)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %s %s: agreement %d: encode: %w", op, id, i, err)
		}
		rows[i].agreement = a
		if sa.Signer != nil && sa.Signer.X509 != nil {
			rows[i].signer = sa.Signer.X509.Raw
		}
		rows[i].document = sa.Document
	}
	return rows, nil
}

// signedAgreement reads a row back.
func (r agreementRow) signedAgreement(op, id string, i int) (esfreg.SignedAgreement, error) {
	var sa esfreg.SignedAgreement
	if err := json.Unmarshal(r.agreement, &sa.Agreement); err != nil {
		return sa, fmt.Errorf("sqlstore: %s %s: agreement %d: decode: %w", op, id, i, err)
	}
	if len(r.signer) > 0 {
		c, err := certs.ParseCertificate(r.signer)
		if err != nil {
			return sa, fmt.Errorf("sqlstore: %s %s: agreement %d: signer: %w", op, id, i, err)
		}
		sa.Signer = c
	}
	if len(r.document) > 0 {
		sa.Document = r.document
	}
	return sa, nil
}

// encodeRequest returns the data column of r: its JSON without the
// agreements.
func encodeRequest(op string, r esfreg.Request) ([]byte, error) {
	r.Agreements = nil
	return encode(op, r.ID, r)
}

// decodeRequest reads a request back from its data column and its
// agreements' rows.
func decodeRequest(op, id string, data []byte, rows []agreementRow) (esfreg.Request, error) {
	var r esfreg.Request
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("sqlstore: %s %s: decode: %w", op, id, err)
	}
	r.Agreements = nil
	for i, row := range rows {
		sa, err := row.signedAgreement(op, id, i)
		if err != nil {
			return r, err
		}
		r.Agreements = append(r.Agreements, sa)
	}
	return r, nil
}

// args are the columns of r as the seq-th agreement of request id.
func (r agreementRow) args(id string, seq int) []any {
	var signer any // NULL
	if len(r.signer) > 0 {
		signer = r.signer
	}
	document := r.document
	if document == nil {
		document = []byte{} // NOT NULL
	}
	return []any{id, seq, r.agreement, signer, document}
}

// insertAgreements stores the rows of request id.
func (t *tx) insertAgreements(op, id string, rows []agreementRow) error {
	for i, row := range rows {
		if _, err := t.exec(op, qInsertAgreement, row.args(id, i)...); err != nil {
			return err
		}
	}
	return nil
}

// CreateRequest implements esfreg.RequestStore.
func (t *tx) CreateRequest(r esfreg.Request) error {
	if err := t.writable(); err != nil {
		return err
	}
	const op = "create request"
	data, err := encodeRequest(op, r)
	if err != nil {
		return err
	}
	rows, err := agreementRows(op, r.ID, r.Agreements)
	if err != nil {
		return err
	}
	t.forget(seenKey{q: qRequest, key: r.ID})
	if err := t.insert(op, qInsertRequest, r.ID, data); err != nil {
		return err
	}
	return t.insertAgreements(op, r.ID, rows)
}

// Request implements esfreg.RequestStore.
func (t *tx) Request(id string) (esfreg.Request, error) {
	const op = "request"
	sk := seenKey{q: qRequest, key: id}
	if row, ok := t.seen[sk]; ok {
		if !row.found {
			return esfreg.Request{}, esfreg.ErrNotFound
		}
		return row.value.(esfreg.Request).Clone(), nil
	}
	res, err := t.stmt(qRequest).QueryContext(t.ctx, id)
	if err != nil {
		return esfreg.Request{}, t.fail(op, err)
	}
	defer res.Close()
	var (
		data  []byte
		rows  []agreementRow
		found bool
	)
	for res.Next() {
		var d []byte
		var a agreementRow
		if err := res.Scan(&d, &a.agreement, &a.signer, &a.document); err != nil {
			return esfreg.Request{}, t.fail(op, err)
		}
		if !found {
			data, found = d, true
		}
		if a.agreement != nil {
			rows = append(rows, a)
		}
	}
	if err := res.Err(); err != nil {
		return esfreg.Request{}, t.fail(op, err)
	}
	if !found {
		t.remember(sk, seenRow{})
		return esfreg.Request{}, esfreg.ErrNotFound
	}
	r, err := decodeRequest(op, id, data, rows)
	if err != nil {
		return esfreg.Request{}, err
	}
	t.remember(sk, seenRow{found: true, value: r.Clone()})
	return r, nil
}

// UpdateRequest implements esfreg.RequestStore. The agreements' rows are
// written again only when update changed the agreements.
func (t *tx) UpdateRequest(id string, update func(*esfreg.Request) error) (esfreg.Request, error) {
	if err := t.writable(); err != nil {
		return esfreg.Request{}, err
	}
	const op = "update request"
	old, err := t.Request(id)
	if err != nil {
		return esfreg.Request{}, err
	}
	r := old.Clone()
	if err := update(&r); err != nil {
		return esfreg.Request{}, err
	}
	r.ID = id // the key does not change
	data, err := encodeRequest(op, r)
	if err != nil {
		return esfreg.Request{}, err
	}
	was, err := agreementRows(op, id, old.Agreements)
	if err != nil {
		return esfreg.Request{}, err
	}
	rows, err := agreementRows(op, id, r.Agreements)
	if err != nil {
		return esfreg.Request{}, err
	}
	t.forget(seenKey{q: qRequest, key: id})
	if _, err := t.exec(op, qUpdateRequest, data, id); err != nil {
		return esfreg.Request{}, err
	}
	if !slices.EqualFunc(was, rows, agreementRow.equal) {
		if _, err := t.exec(op, qDeleteAgreements, id); err != nil {
			return esfreg.Request{}, err
		}
		if err := t.insertAgreements(op, id, rows); err != nil {
			return esfreg.Request{}, err
		}
	}
	return r, nil
}

// equal reports whether two rows hold the same values.
func (r agreementRow) equal(o agreementRow) bool {
	return bytes.Equal(r.agreement, o.agreement) && bytes.Equal(r.signer, o.signer) && bytes.Equal(r.document, o.document)
}

// Requests implements esfreg.RequestStore.
func (t *tx) Requests() ([]esfreg.Request, error) {
	const op = "requests"
	res, err := t.stmt(qRequests).QueryContext(t.ctx)
	if err != nil {
		return nil, t.fail(op, err)
	}
	defer res.Close()
	var (
		out  []esfreg.Request
		id   string
		data []byte
		rows []agreementRow
	)
	flush := func() error {
		if data == nil {
			return nil
		}
		slices.SortFunc(rows, func(a, b agreementRow) int { return cmp.Compare(a.seq, b.seq) })
		r, err := decodeRequest(op, id, data, rows)
		if err != nil {
			return err
		}
		out = append(out, r)
		data, rows = nil, nil
		return nil
	}
	for res.Next() {
		var (
			rid string
			d   sql.RawBytes
			seq sql.NullInt64
			a   agreementRow
		)
		if err := res.Scan(&rid, &d, &seq, &a.agreement, &a.signer, &a.document); err != nil {
			return nil, t.fail(op, err)
		}
		if data == nil || rid != id {
			if err := flush(); err != nil {
				return nil, err
			}
			id, data = rid, bytes.Clone(d)
			if data == nil {
				data = []byte{}
			}
		}
		if a.agreement != nil {
			a.seq = seq.Int64
			rows = append(rows, a)
		}
	}
	if err := res.Err(); err != nil {
		return nil, t.fail(op, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}
