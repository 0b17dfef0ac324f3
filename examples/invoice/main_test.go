package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestInvoice(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"ЭСФ № 20260601140000 от 01.06.2026",
		"Поставщик: ТОО \"ПРИМЕР\" — " + demo.EntityBIN,
		"Получатель: ИП ТЕСТТОВА ТЕСТТ ТЕСТТОВНА — " + demo.NewHead.IIN,
		"Проверка по InvoiceV2.xsd: ошибок нет",
		"    | <v2:invoice xmlns:a=\"abstractInvoice.esf\" xmlns:v2=\"v2.esf\">",
		"Тип подписи: COMPANY",
		"Принят в очередь на регистрацию: id ",
		"Статус: IN_QUEUE (В очереди)\n",
		"Статус: IN_PROCESSING (В обработке)\n",
		"Статус: CREATED (Созданный), регистрационный номер ESF-" + demo.EntityBIN + "-20260601-",
		"Подпись ЭСФ: COMPANY, длина 172; проверка по сертификату: действительна; по данным ЭСФ signatureValid = true",
		"Бланк вернулся без изменений: true",
		"01.06.2026 14:00:02  CREATED (Созданный)",
		"Статус: CLOSED",
	} {
		assert.Contains(t, out, want)
	}
	// Each status once, in order, as it changed.
	assert.Regexp(t, `(?s)Статус: IN_QUEUE.*Статус: IN_PROCESSING.*Статус: CREATED`, out)
	assert.Equal(t, 1, strings.Count(out, "Статус: IN_QUEUE (В очереди)\n"))
}

// An invoice number the schema refuses is caught before anything is sent.
func TestInvoiceRefusedNumber(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z", "-num", "СФ-1")
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, `"СФ-1" does not match the pattern [0-9]{1,30}`)
	assert.NotContains(t, out, "UploadInvoiceService.syncInvoice")
}

// NCA's real GOST 2015 key store of a first head (one key logs in and
// signs): the entity's record comes from the certificate, the invoice is
// registered under its BIN.
func TestInvoiceNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTHead
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, k.Args(dir)...)
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"Поставщик: АО \"ТЕСТ\" — 123456789021",
		"Статус: CREATED (Созданный), регистрационный номер ESF-123456789021-20260901-",
		"Подпись ЭСФ: COMPANY, длина 172; проверка по сертификату: действительна",
	} {
		assert.Contains(t, out, want)
	}
}
