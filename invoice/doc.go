// Package invoice is the electronic invoice (ЭСФ) of Kazakhstan's ИС ЭСФ,
// version InvoiceV2, as Go: build one, write its body byte for byte as the
// real service accepts it, check it against the rules of KGD's
// InvoiceV2.xsd, sign it as ESF wants, and read the bodies the service
// returns.
//
// The lifecycle of an upload:
//
//	body, err := inv.Marshal()                      // the bare v2:invoice element
//	err = invoice.Check(body)                       // the XSD's rules, each error naming its element
//	sig, err := invoice.Sign(body, signer)          // raw signature over the bytes, base64
//	typ := invoice.SignatureType(keyStore.Certificate) // COMPANY or OPERATOR
//
// then body, invoice.Version, sig and typ go into syncInvoice's
// invoiceUploadInfo, with the signing certificate (base64 DER) beside the
// list. A receiver does the reverse: Parse (strict: it runs Check) and
// VerifySignature over the body exactly as received.
//
// What is ESF's and what is ours. The element names, their order, types
// and facets are InvoiceV2.xsd's (2026 SDK): the schema Check enforces is
// compiled from this package's struct tags and a test compares it with the
// XSD element by element; another runs xmllint on a corpus of valid and
// broken invoices and requires the same verdict. The body's form (prefixes
// v2 and a, no XML declaration, children unqualified) is the SDK samples'
// and that of clients that registered invoices in production. The
// indentation Marshal writes (two spaces, as the samples) is our choice: the
// signature covers the bytes, whatever they are. Signing raw over the UTF-8
// bytes is what the SDK's signer does; the RSA digest (SHA-256), the
// signature type's mapping from certificate roles (SignatureType) and the
// bytes of the status-change lists (IDsWithReasonsContent, IDsContent) are
// not published and are our choices, each documented where it is made.
//
// Check reports every breach it finds (errors.Join of *CheckError, up to
// MaxErrors) with the element's path, the kind of rule (Rule) and a
// message; errors.Is(err, ErrInvalid) tells an invalid body, ErrSyntax one
// that is not XML. Parse and the container parsers refuse a document over
// MaxBodySize or MaxContainerSize, any DOCTYPE, and never panic.
package invoice
