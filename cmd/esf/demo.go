package main

import (
	"fmt"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
)

// demoInputs issues, in memory, the key stores a newcomer meets first:
// from the built-in NCA-shaped test PKI (certs/certstest), valid from now.
func demoInputs(now time.Time) ([]*input, error) {
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return now }})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	profiles := []certstest.Profile{
		{Kind: certstest.KindIndividual, Usage: certs.UsageAuth},
		{Kind: certstest.KindIndividual, Usage: certs.UsageSign},
		{Kind: certstest.KindEntrepreneur, Usage: certs.UsageSign},
		{Kind: certstest.KindCEO, Usage: certs.UsageAuth},
		{Kind: certstest.KindCEO, Usage: certs.UsageSign},
		{Kind: certstest.KindCanSign, Usage: certs.UsageSign},
		{Kind: certstest.KindEmployee, Usage: certs.UsageSign},
	}
	out := make([]*input, 0, len(profiles))
	for _, p := range profiles {
		is, err := ca.Issue(p)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		// Open the key store as a user's file would be opened.
		ks, err := certs.Open(is.PKCS12, is.PIN)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		out = append(out, &input{name: "demo:" + is.FileName, cert: ks.Certificate, keyStore: ks})
	}
	return out, nil
}
