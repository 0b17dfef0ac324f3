package invoice

// minimal returns the invoice of docs/esf-invoice-api.md §2.4: an
// ORDINARY_INVOICE from test BIN 123456789021 to test IIN 123456789011 with
// one service line.
func minimal() *Invoice {
	rate := 12
	return &Invoice{
		Date:             "15.01.2026",
		InvoiceType:      OrdinaryInvoice,
		Num:              "1001",
		OperatorFullname: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		TurnoverDate:     "15.01.2026",
		Customers:        []Customer{{CountryCode: "KZ", Name: "ИП ТЕСТОВ", TIN: "123456789011"}},
		ProductSet: ProductSet{
			CurrencyCode: "KZT",
			Products: []Product{{
				CatalogTruID:     "1",
				Description:      "Консультационные услуги",
				NDSAmount:        "1200",
				NDSRate:          &rate,
				PriceWithTax:     "11200",
				PriceWithoutTax:  "10000",
				Quantity:         "1",
				TruOriginCode:    "6",
				TurnoverSize:     "10000",
				UnitNomenclature: "796",
				UnitPrice:        "10000",
			}},
			TotalExciseAmount:    "0",
			TotalNDSAmount:       "1200",
			TotalPriceWithTax:    "11200",
			TotalPriceWithoutTax: "10000",
			TotalTurnoverSize:    "10000",
		},
		Sellers: []Seller{{Name: `АО "ТЕСТ"`, TIN: "123456789021"}},
	}
}
