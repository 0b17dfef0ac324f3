// Package esfreg holds the registration rules of ИС ЭСФ, Kazakhstan's
// electronic invoice system, as pure Go with no HTTP in it: the mock
// (mockserver) enforces them server-side and the client (package
// esfclient) checks them before it sends anything. An integrator who talks
// to ESF needs esfclient, and from here only the types it takes and
// returns (Form, Category, Taxpayer, Profile, *Error and its codes).
//
// A registration's life, in three lines:
//
//	app, err := svc.Begin(ctx, esfreg.LegalEntity, cert)    // step 1: the key store's certificate, the register, the accounts
//	conf, err := svc.Submit(ctx, app, form, signed)         // steps 2–4: the form, the signed agreements → request + one-time link
//	done, err := svc.Complete(ctx, conf.Token, credentials) // the link followed and a log-in: account, profiles, change of head
//
// What is here:
//
//   - Identifiers: IIN and BIN with the national check digit
//     (ControlDigit), lenient decoding (IIN.Info, BIN.Info), and the
//     published test identities, accepted only with
//     IDOptions.AllowTestIdentities.
//   - Categories (Individual, Entrepreneur, LegalEntity) and ESF's
//     businessProfileType, EnterpriseType and userStatusType.
//   - The tax register as ESF sees it: Taxpayer records whose changes
//     become visible at the next refresh, Monday, Wednesday and Friday at
//     00:00 Almaty (NextRefresh, TaxpayerAt).
//   - Registration: CheckCertificate (step 1), Prefill and Form.Validate
//     (step 2), Agreements and CheckSignedAgreements (step 3), the request
//     and its token (step 4) — pure functions, composed with the Store by
//     Service.
//   - Passwords: CheckPassword, PasswordStrength, GeneratePassword, and a
//     PasswordHasher (bcrypt).
//   - Accounts: one per IIN, holding the e-mail, the password hash and the
//     profiles; Service.Login.
//   - Change of head, and recovery: Service.ChangeEmail,
//     Service.RequestPasswordReset, Service.ResetPassword.
//   - Errors: every refusal is an *Error whose Code is ESF's code where ESF
//     has one, with a Russian Message and the form Field at fault; a form
//     with several bad fields gives Errors.
//   - State: a Store holds the accounts, the register, the requests and
//     the tokens. Each Service method that reads or writes them runs its
//     rules in one transaction (Tx) — its own, or the caller's, carried by
//     the context (ContextWithTx) — and the rules' invariants rest on that
//     transaction alone. MemStore keeps the state in memory; the mock's
//     SQL stores keep it in SQLite or PostgreSQL.
//
// Time comes from Config.Now (or an argument of the pure functions) and
// randomness from Config.Rand; nothing here reads a global clock or random
// source unless those are left nil. XML signatures are verified elsewhere
// (packages xmlsig and agreement): where a rule needs "signed by a signing
// key of that IIN", it takes the verified signer's *certs.Certificate.
package esfreg
