package esfreg

import "fmt"

// Category is what a person registers as: the tabs of the portal's
// registration page.
type Category int

// The three categories of self-registration. The zero Category is none.
const (
	// Individual is a person (ФЛ, физическое лицо); profile INDIVIDUAL.
	Individual Category = iota + 1
	// Entrepreneur is an individual entrepreneur (ИП): a person the tax
	// register lists as a business under his own IIN; profile ENTREPRENEUR.
	Entrepreneur
	// LegalEntity is a legal entity (ЮЛ) registered by its first head
	// (руководитель); profile ADMIN_ENTERPRISE.
	LegalEntity
)

// Categories lists the categories in the portal's order.
func Categories() []Category { return []Category{Individual, Entrepreneur, LegalEntity} }

var categoryNames = map[Category]string{
	Individual:   "INDIVIDUAL",
	Entrepreneur: "ENTREPRENEUR",
	LegalEntity:  "LEGAL_ENTITY",
}

// String returns "INDIVIDUAL", "ENTREPRENEUR" or "LEGAL_ENTITY".
func (c Category) String() string {
	if s, ok := categoryNames[c]; ok {
		return s
	}
	return fmt.Sprintf("Category(%d)", int(c))
}

// Valid reports whether c is one of the three categories.
func (c Category) Valid() bool { _, ok := categoryNames[c]; return ok }

// Title returns the category's name on the portal: "Физическое лицо",
// "Индивидуальный предприниматель" or "Юридическое лицо".
func (c Category) Title() string {
	switch c {
	case Individual:
		return "Физическое лицо"
	case Entrepreneur:
		return "Индивидуальный предприниматель"
	case LegalEntity:
		return "Юридическое лицо"
	}
	return ""
}

// ProfileType returns the ESF businessProfileType a registration in c
// creates: INDIVIDUAL, ENTREPRENEUR or ADMIN_ENTERPRISE.
func (c Category) ProfileType() ProfileType {
	switch c {
	case Individual:
		return ProfileIndividual
	case Entrepreneur:
		return ProfileEntrepreneur
	case LegalEntity:
		return ProfileAdminEnterprise
	}
	return ""
}

// ParseCategory reads a category by its String name.
func ParseCategory(s string) (Category, error) {
	for c, name := range categoryNames {
		if s == name {
			return c, nil
		}
	}
	return 0, wrapError(CodeCategoryNotValid, "category", fmt.Errorf("category %q", clip(s)))
}

// MarshalText returns the String name, or "" for the zero Category; any
// other value is an error.
func (c Category) MarshalText() ([]byte, error) {
	if c == 0 {
		return []byte{}, nil
	}
	if !c.Valid() {
		return nil, NewError(CodeCategoryNotValid, FieldCategory)
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads the String name; "" is the zero Category (which
// Form.Validate refuses).
func (c *Category) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = 0
		return nil
	}
	v, err := ParseCategory(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ProfileType is ESF's businessProfileType ("Тип пользователя", esf-api.md
// §1.3): what a profile lets its user act as.
type ProfileType string

// The values of businessProfileType. Self-registration creates the first
// three; the others are listed for completeness.
const (
	ProfileIndividual       ProfileType = "INDIVIDUAL"        // Физическое лицо
	ProfileEntrepreneur     ProfileType = "ENTREPRENEUR"      // Индивидуальный предприниматель
	ProfileAdminEnterprise  ProfileType = "ADMIN_ENTERPRISE"  // Руководитель юридического лица
	ProfileUser             ProfileType = "USER"              // Пользователь, приглашённый в предприятие
	ProfileEntrepreneurUser ProfileType = "ENTREPRENEUR_USER" // Пользователь, работающий в ИП
	ProfileLawyer           ProfileType = "LAWYER"            // ЛЗЧП: адвокат
	ProfileBailiff          ProfileType = "BAILIFF"           // ЛЗЧП: частный судебный исполнитель
	ProfileMediator         ProfileType = "MEDIATOR"          // ЛЗЧП: медиатор
	ProfileNotary           ProfileType = "NOTARY"            // ЛЗЧП: нотариус
	ProfileLawyerUser       ProfileType = "LAWYER_USER"
	ProfileBailiffUser      ProfileType = "BAILIFF_USER"
	ProfileMediatorUser     ProfileType = "MEDIATOR_USER"
	ProfileNotaryUser       ProfileType = "NOTARY_USER"
	ProfileProjectAdmin     ProfileType = "PROJECT_ADMIN" // руководитель проекта
	ProfileProjectUser      ProfileType = "PROJECT_USER"
)

// EnterpriseType is ESF's EnterpriseType, the type of a taxpayer in the
// register (esf-api.md §1.3).
type EnterpriseType string

// The values of EnterpriseType.
const (
	EnterpriseNotSet                 EnterpriseType = "NOT_SET"
	EnterpriseIndividual             EnterpriseType = "INDIVIDUAL"
	EnterpriseIndividualEntrepreneur EnterpriseType = "INDIVIDUAL_ENTREPRENEUR"
	EnterprisePrivate                EnterpriseType = "PRIVATE_ENTERPRISE"
	EnterpriseState                  EnterpriseType = "STATE_ENTERPRISE"
)

// IsLegalEntity reports whether t is a legal entity's type (private or
// state enterprise).
func (t EnterpriseType) IsLegalEntity() bool {
	return t == EnterprisePrivate || t == EnterpriseState
}

// UserStatus is ESF's userStatusType: the status of a user's profile.
type UserStatus string

// The values of userStatusType.
const (
	StatusActive UserStatus = "ACTIVE"
	// StatusBlocked: blocked by the system's administrator.
	StatusBlocked UserStatus = "BLOCKED"
	// StatusEnterpriseAdminChangeBlocked: blocked when the enterprise's
	// head changed (the old head's ADMIN_ENTERPRISE profile).
	StatusEnterpriseAdminChangeBlocked UserStatus = "ENTERPRISE_ADMIN_CHANGE_BLOCKED"
	// StatusEnterpriseBlocked: blocked when the enterprise was blocked.
	StatusEnterpriseBlocked UserStatus = "ENTERPRISE_BLOCKED"
)

// ProfileKind is ESF's profileType: a general profile or one made within a
// project. Self-registration makes general profiles.
type ProfileKind string

// The values of ProfileKind.
const (
	ProfileGeneral ProfileKind = "GENERAL"
	ProfileProject ProfileKind = "PROJECT"
)
