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

func ptr[T any](v T) *T { return &v }

// full returns an invoice with every element of the schema, most with
// more than one occurrence where the schema allows it.
func full() *Invoice {
	share := func(n int) ProductShare {
		return ProductShare{
			Additional: "доп.", AdditionalUnitNomenclature: "796", ExciseAmount: "0",
			NDSAmount: "60", PriceWithTax: "560", PriceWithoutTax: "500", ProductNumber: n,
			ProductNumberInSnt: "1", Quantity: "0.5", TurnoverSize: "500",
		}
	}
	product := func(desc string) Product {
		return Product{
			Additional: "A", AdditionalUnitNomenclature: "796", CatalogTruID: "1", Description: desc,
			ExciseAmount: "0", ExciseRate: "0", KpvedCode: "62.01.1", NDSAmount: "120", NDSRate: ptr(12),
			PriceWithTax: "1120", PriceWithoutTax: "1000", ProductDeclaration: "50101010/010120/0000001",
			ProductNumberInDeclaration: "1", ProductNumberInSnt: "1", Quantity: "1", TnvedName: "услуги",
			TruOriginCode: "6", TurnoverAdjustment: ptr(0), TurnoverCode: "1", TurnoverSize: "1000",
			UnitCode: "8471300000", UnitNomenclature: "796", UnitPrice: "1000",
		}
	}
	return &Invoice{
		Date:                 "15.01.2026",
		InvoiceType:          FixedInvoice,
		Num:                  "000000000000000000000000001002",
		OperatorFullname:     "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		RelatedInvoice:       &RelatedInvoice{Date: "14.01.2026", Num: "1001", RegistrationNumber: "ESF-123456789021-20260114-12345678"},
		TurnoverDate:         "15.01.2026",
		AddInf:               "Дополнительные сведения & <прочее>",
		Consignee:            &Consignee{Address: "Алматы", CountryCode: "KZ", Name: "ТОО Получатель", TIN: "123456789031"},
		Consignor:            &Consignor{Address: "Астана", Name: "ТОО Отправитель", TIN: "123456789041"},
		CustomerAgentAddress: "Астана", CustomerAgentDocDate: "01.01.2026", CustomerAgentDocNum: "7",
		CustomerAgentName: "ТОО Поверенный", CustomerAgentTIN: "123456789051",
		CustomerParticipants: []Participant{{ProductShares: []ProductShare{share(1), share(2)}, ReorganizedTIN: "123456789061", TIN: "123456789071"}},
		Customers: []Customer{
			{Address: "Алматы", BranchTIN: "123456789081", CountryCode: "KZ", Name: "ИП ТЕСТОВ", ReorganizedTIN: "123456789091",
				ShareParticipation: "0.5", Statuses: []CustomerType{CustomerRetail, CustomerIndividual}, TIN: "123456789011", Trailer: "хвост"},
			{CountryCode: "RU", Name: "ООО Нерезидент", Statuses: []CustomerType{CustomerNonresident}},
		},
		DatePaper: "10.01.2026", DeliveryDocDate: "15.01.2026", DeliveryDocDate2: "15.01.2026",
		DeliveryDocNum: "1", DeliveryDocNum2: "2",
		DeliveryTerm: &DeliveryTerm{ContractDate: "01.01.2026", ContractNum: "Д-1", DeliveryConditionCode: "EXW",
			Destination: "Алматы", HasContract: true, Term: "безналичный", TransportTypeCode: "31", Warrant: "12", WarrantDate: "14.01.2026"},
		ProductSet: ProductSet{
			CurrencyCode: "KZT", CurrencyRate: "1", NDSRateType: WithoutNDSNotKZ,
			Products:          []Product{product("Консультационные услуги"), product("Разработка ПО")},
			TotalExciseAmount: "0", TotalNDSAmount: "240", TotalPriceWithTax: "2240", TotalPriceWithoutTax: "2000", TotalTurnoverSize: "2000",
		},
		PublicOffice:       &PublicOffice{BIK: "KKMFKZ2A", IIK: "KZ12345678901234567A", PayPurpose: "Оплата услуг", ProductCode: "1"},
		ReasonPaper:        PaperDownTime,
		SellerAgentAddress: "Астана", SellerAgentDocDate: "01.01.2026", SellerAgentDocNum: "8",
		SellerAgentName: "ТОО Агент", SellerAgentTIN: "123456789101",
		SellerParticipants: []Participant{{ProductShares: []ProductShare{share(1)}, TIN: "123456789111"}, {ProductShares: []ProductShare{share(2)}, TIN: "123456789121"}},
		Sellers: []Seller{
			{Address: "Астана", Bank: "АО Банк", BIK: "HSBKKZKX", BranchTIN: "123456789131", CertificateNum: "1234567",
				CertificateSeries: "60001", IIK: "KZ123456789012345678", IsBranchNonResident: ptr(false), KBE: "17",
				Name: `АО "ТЕСТ"`, NDSCABank: "АО Банк", NDSCABIK: "HSBKKZKX", NDSCAIIK: "KZ000000000000000001", NDSCAKBE: "17",
				ReorganizedTIN: "123456789141", ShareParticipation: "0.75", Statuses: []SellerType{SellerCommittent, SellerExporter},
				TIN: "123456789021", Trailer: "хвост"},
			{Name: "ТОО Второй", TIN: "123456789151", IsBranchNonResident: ptr(true)},
		},
	}
}
