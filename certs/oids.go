package certs

import "encoding/asn1"

// Object identifiers NCA uses in its certificates (docs: nca-certificates.md).
var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	// OIDGOST2004PublicKey is the GOST 34.310-2004 public key algorithm.
	OIDGOST2004PublicKey = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1}
	// OIDGOST2015PublicKey512 is the GOST R 34.10-2015 512-bit public key algorithm.
	OIDGOST2015PublicKey512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2}
	// OIDGOST2015PublicKey256 is the GOST R 34.10-2015 256-bit public key algorithm (not seen in NCA files).
	OIDGOST2015PublicKey256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 1}
	// OIDGOST2004Signature is GOST 34.311-95 with GOST 34.310-2004.
	OIDGOST2004Signature = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 2}
	// OIDGOST2004SignatureOld is the older Kalkan OID for the same signature.
	OIDGOST2004SignatureOld = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 6801, 1, 2, 2}
	// OIDGOST2015Signature512 is GOST R 34.10-2015 with GOST R 34.11-2015 (512).
	OIDGOST2015Signature512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2}
	// OIDGOST2015Signature256 is GOST R 34.10-2015 with GOST R 34.11-2015 (256).
	OIDGOST2015Signature256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 1}

	oidEKUClientAuth      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	oidEKUEmailProtection = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}

	oidAttrGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidAttrSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidAttrEmail      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidAttrBusinessCa = asn1.ObjectIdentifier{2, 5, 4, 15}
)

// Role is a holder's role, as NCA marks it with an extendedKeyUsage OID under
// 1.2.398.3.3.4 (and a few outside it). The string is NCANode's
// CertificateKeyUser name where NCANode has one.
type Role string

// The roles of nca-certificates.md §3.
const (
	RoleIndividual                    Role = "INDIVIDUAL"                       // 1.2.398.3.3.4.1.1 физическое лицо
	RoleIndividualInformationSystem   Role = "INDIVIDUAL_INFORMATION_SYSTEM"    // 1.2.398.3.3.4.1.1.1
	RoleOrganization                  Role = "ORGANIZATION"                     // 1.2.398.3.3.4.1.2 юридическое лицо
	RoleCEO                           Role = "CEO"                              // 1.2.398.3.3.4.1.2.1 первый руководитель
	RoleCanSign                       Role = "CAN_SIGN"                         // 1.2.398.3.3.4.1.2.2 право подписи
	RoleCanSignFinancial              Role = "CAN_SIGN_FINANCIAL"               // 1.2.398.3.3.4.1.2.3 право подписи финансовых документов
	RoleHR                            Role = "HR"                               // 1.2.398.3.3.4.1.2.4 сотрудник отдела кадров
	RoleEmployee                      Role = "EMPLOYEE"                         // 1.2.398.3.3.4.1.2.5 сотрудник организации
	RoleOrganizationInformationSystem Role = "INFORMATION_SYSTEM"               // 1.2.398.3.3.4.1.2.6 информационная система ЮЛ
	RoleNCAPrivileges                 Role = "NCA_PRIVILEGES"                   // 1.2.398.3.3.4.2
	RoleNCAAdmin                      Role = "NCA_ADMIN"                        // 1.2.398.3.3.4.2.1
	RoleNCAManager                    Role = "NCA_MANAGER"                      // 1.2.398.3.3.4.2.2
	RoleNCAOperator                   Role = "NCA_OPERATOR"                     // 1.2.398.3.3.4.2.3
	RoleIdentification                Role = "IDENTIFICATION"                   // 1.2.398.3.3.4.3
	RoleIdentificationCON             Role = "IDENTIFICATION_CON"               // 1.2.398.3.3.4.3.1
	RoleIdentificationRemote          Role = "IDENTIFICATION_REMOTE"            // 1.2.398.3.3.4.3.2
	RoleIdentificationDigitalID       Role = "IDENTIFICATION_REMOTE_DIGITAL_ID" // 1.2.398.3.3.4.3.2.1
	RoleTreasuryClient                Role = "K2_TREASURY_CLIENT"               // 1.2.398.5.19.1.2.2.1 ИС К2 / казначейство-клиент
	RoleNotary                        Role = "NOTARY"                           // 1.2.398.6.1.1.1.1 нотариат
)

var roleOIDs = []struct {
	role Role
	oid  asn1.ObjectIdentifier
}{
	{RoleIndividual, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 1}},
	{RoleIndividualInformationSystem, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 1, 1}},
	{RoleOrganization, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2}},
	{RoleCEO, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 1}},
	{RoleCanSign, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 2}},
	{RoleCanSignFinancial, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 3}},
	{RoleHR, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 4}},
	{RoleEmployee, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 5}},
	{RoleOrganizationInformationSystem, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 2, 6}},
	{RoleNCAPrivileges, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 2}},
	{RoleNCAAdmin, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 2, 1}},
	{RoleNCAManager, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 2, 2}},
	{RoleNCAOperator, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 2, 3}},
	{RoleIdentification, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 3}},
	{RoleIdentificationCON, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 3, 1}},
	{RoleIdentificationRemote, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 3, 2}},
	{RoleIdentificationDigitalID, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 3, 2, 1}},
	{RoleTreasuryClient, asn1.ObjectIdentifier{1, 2, 398, 5, 19, 1, 2, 2, 1}},
	{RoleNotary, asn1.ObjectIdentifier{1, 2, 398, 6, 1, 1, 1, 1}},
}

// OID returns the extendedKeyUsage OID that marks r, or nil for an unknown role.
func (r Role) OID() asn1.ObjectIdentifier {
	for _, ro := range roleOIDs {
		if ro.role == r {
			return append(asn1.ObjectIdentifier(nil), ro.oid...)
		}
	}
	return nil
}

// RoleByOID returns the role oid marks, and false when oid is no NCA role.
func RoleByOID(oid asn1.ObjectIdentifier) (Role, bool) {
	for _, ro := range roleOIDs {
		if ro.oid.Equal(oid) {
			return ro.role, true
		}
	}
	return "", false
}
