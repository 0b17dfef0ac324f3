package cms

// SignatureValues returns the signature value of each signer of a CMS, for
// the tests that change one of its bytes.
func SignatureValues(data []byte) ([][]byte, error) {
	sd, err := parse(data)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(sd.signers))
	for i, si := range sd.signers {
		out[i] = si.signature
	}
	return out, nil
}

// SignedAttributes returns the DER of the signed attributes of each signer
// as its signature covers them (a SET).
func SignedAttributes(data []byte) ([][]byte, error) {
	sd, err := parse(data)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(sd.signers))
	for i, si := range sd.signers {
		out[i] = si.signedAttrs
	}
	return out, nil
}
