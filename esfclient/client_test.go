package esfclient_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfclient"
)

func TestNewRefusesBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://esf.gov.kz", "http://", "::"} {
		_, err := esfclient.New(esfclient.Options{BaseURL: u})
		assert.Error(t, err, "%q", u)
	}
	c, err := esfclient.New(esfclient.Options{BaseURL: "https://esf.gov.kz:8443/"})
	require.NoError(t, err)
	assert.NotNil(t, c)
}
