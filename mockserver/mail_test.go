package mockserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
)

// The registration e-mail is ESF's, word for word: given the values of the
// e-mail the original user documents show, the mock writes that e-mail.
func TestRegistrationMailIsTheDocuments(t *testing.T) {
	seeds := testref.Dir(t, "seeds")
	data, err := os.ReadFile(filepath.Join(seeds, "000_a6d6fd7491ae063d.txt"))
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, "Уважаемый пользователь")
	require.GreaterOrEqual(t, start, 0, "the documents' e-mail")
	end := strings.Index(doc[start:], "по ошибке.")
	require.Greater(t, end, 0)
	want := doc[start : start+end+len("по ошибке.")]
	// The mail client showed the link in angle brackets.
	want = strings.NewReplacer("<https://", "https://", "b2e>", "b2e").Replace(want)

	const link = "https://esf.gov.kz:8443/esf-web/self-registration-request/e2735aa0904850467b5c174c84f9b89c77410b2e"
	m := registrationMail("head@example.kz", esfreg.LegalEntity, agreement.Russian, "Уэйн Брюс", "951735469875", "ООО Бэтмо-Кар", "753159846249", link)
	assert.Equal(t, strings.TrimSpace(want), strings.TrimSpace(m.Body))
	assert.Equal(t, "Завершение процесса регистрации", m.Subject)
	assert.Equal(t, link, m.Link)
}

func TestRegistrationMailKinds(t *testing.T) {
	const link = "http://127.0.0.1/esf-web/self-registration-request/0123"
	for _, tc := range []struct {
		name     string
		category esfreg.Category
		lang     agreement.Lang
		bin      string
		want     []string
	}{
		{"individual", esfreg.Individual, agreement.Russian, "", []string{"в качестве физического лица Вам необходимо принять Соглашение", "Примечание: Для подписи Соглашения необходимо использовать сертификат подписи.", "Внимание!"}},
		{"entrepreneur", esfreg.Entrepreneur, agreement.Russian, "", []string{"в качестве индивидуального предпринимателя Вам необходимо"}},
		{"head", esfreg.LegalEntity, agreement.Russian, "123456789021", []string{"в качестве Руководителя юридического лица АО \"ТЕСТ\" (БИН: 123456789021)"}},
		{"Kazakh", esfreg.Individual, agreement.Kazakh, "", []string{"Құрметті пайдаланушы", "(ЖСН: 123456789011)", "жеке тұлға ретінде", "Назар аударыңыз!"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := registrationMail("a@example.kz", tc.category, tc.lang, "ТЕСТОВ ТЕСТ", "123456789011", `АО "ТЕСТ"`, tc.bin, link)
			for _, w := range tc.want {
				assert.Contains(t, m.Body, w)
			}
			assert.Contains(t, m.Body, link)
		})
	}
}
