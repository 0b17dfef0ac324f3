package mockserver

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The sender of ESF's e-mails (domain.md).
const MailFrom = "ESF Support <esf@minfin.gov.kz>"

// MailOptions relay e-mails to an SMTP server besides the outbox.
type MailOptions struct {
	// SMTPAddr is host:port of the relay; empty keeps mail in the outbox only.
	SMTPAddr string
	// Auth is the relay's authentication, nil for none.
	Auth smtp.Auth
}

// Mail is one e-mail the mock sent.
type Mail struct {
	ID      int       `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Link    string    `json:"link,omitempty"` // the link it carries, if any
	IIN     string    `json:"iin,omitempty"`
	SentAt  time.Time `json:"sentAt"`
}

// Mail returns the outbox: every e-mail sent (until retention prunes it),
// oldest first. A store that fails is logged, and the list is empty.
func (s *Server) Mail() []Mail {
	out, err := s.mail(context.Background(), "")
	if err != nil {
		s.log.Error("mail", "err", err)
	}
	return out
}

// MailTo returns the e-mails sent to address, oldest first.
func (s *Server) MailTo(address string) []Mail {
	out, err := s.mail(context.Background(), address)
	if err != nil {
		s.log.Error("mail", "err", err)
	}
	return out
}

// mail returns the e-mails to address (any address when empty), oldest
// first.
func (s *Server) mail(ctx context.Context, address string) ([]Mail, error) {
	out := []Mail{}
	err := s.view(ctx, func(r *request) error {
		list, err := r.tx.RecordsOf(kindMail, strings.ToLower(address))
		if err != nil {
			return err
		}
		for _, rec := range list {
			var m Mail
			if err := json.Unmarshal(rec.Data, &m); err != nil {
				return fmt.Errorf("mockserver: mail %s: %w", rec.Key, err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return []Mail{}, err
	}
	sortMail(out)
	return out, nil
}

// sortMail puts e-mails in the order they were sent: by ID (their keys,
// mailKey, are scattered).
func sortMail(list []Mail) {
	slices.SortStableFunc(list, func(a, b Mail) int { return cmp.Compare(a.ID, b.ID) })
}

// mailKey is the record key of e-mail id. Consecutive IDs get keys far
// apart: in PostgreSQL, under SERIALIZABLE, a transaction that reads an
// index page conflicts with one that writes into it, and keys that grew
// by one (as seqKey's do) put every new e-mail on the same last page of
// the index, so that registrations sending e-mails at once failed to
// serialize. The scrambling is a bijection (the finalizer of SplitMix64),
// so keys stay unique and an ID's key is found from the ID alone.
func mailKey(id int) string {
	x := uint64(id)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return fmt.Sprintf("%016x", x)
}

// send puts an e-mail in the outbox in r's transaction; it is relayed
// once the transaction has committed.
func (s *Server) send(r *request, m Mail) error {
	id, err := r.tx.NextNumber(mockstore.CounterMail)
	if err != nil {
		return err
	}
	m.ID = int(id)
	m.From = MailFrom
	m.SentAt = r.now
	var expires time.Time
	if ret := s.retention(); ret >= 0 {
		expires = m.SentAt.Add(ret)
	}
	// Inserted, not put: an e-mail under the key of another would replace it.
	if err := insertJSON(r.tx, kindMail, mailKey(m.ID), strings.ToLower(m.To), expires, m); err != nil {
		return fmt.Errorf("mockserver: e-mail %d: %w", m.ID, err)
	}
	r.after = append(r.after, func() {
		s.log.Info("mail", "to", m.To, "subject", m.Subject)
		if addr := s.opts.Mail.SMTPAddr; addr != "" {
			go s.relay(addr, m)
		}
	})
	return nil
}

func (s *Server) relay(addr string, m Mail) {
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		m.From, m.To, m.Subject, strings.ReplaceAll(m.Body, "\n", "\r\n"))
	if err := smtp.SendMail(addr, s.opts.Mail.Auth, "esf@minfin.gov.kz", []string{m.To}, []byte(msg)); err != nil {
		s.log.Warn("mail relay failed", "to", m.To, "err", err)
	}
}

// The e-mails. The registration e-mail is ESF's own, word for word as the
// original user documents quote it ("Уважаемый пользователь … (ИИН: …)",
// "Вам необходимо принять Соглашение…", "Примечание: Для подписи
// Соглашения необходимо использовать сертификат подписи.", "Внимание! …");
// the documents quote it for a legal entity's head, so the individual's
// and the entrepreneur's "в качестве …" clause is ours, in the same style.
// Its Kazakh version (a registration made in Kazakh) is our translation:
// no document gives one. The other e-mails are ours.

// registrationWarning closes the registration e-mail (the documents' text).
const registrationWarning = "Внимание!\nЕсли Вы не осуществляли регистрацию в ИС ЭСФ, то проигнорируйте это сообщение, возможно, оно было отправлено Вам по ошибке.\n"

func registrationMail(to string, category esfreg.Category, lang agreement.Lang, name, iin, company, bin, link string) Mail {
	if lang == agreement.Kazakh {
		return registrationMailKk(to, category, name, iin, company, bin, link)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Уважаемый пользователь %s (ИИН: %s),\n\n", name, iin)
	as := "физического лица"
	switch {
	case bin != "":
		as = fmt.Sprintf("Руководителя юридического лица %s (БИН: %s)", company, bin)
	case category == esfreg.Entrepreneur:
		as = "индивидуального предпринимателя"
	}
	fmt.Fprintf(&b, "Для завершения регистрации в ИС ЭСФ в качестве %s Вам необходимо принять Соглашение об использовании Системы, для чего скопируйте следующую ссылку в адресную строку браузера и выполните переход:\n%s\n\n", as, link)
	b.WriteString("Примечание: Для подписи Соглашения необходимо использовать сертификат подписи.\n\n")
	b.WriteString(registrationWarning)
	return Mail{To: to, Subject: "Завершение процесса регистрации", Body: b.String(), Link: link, IIN: iin}
}

// registrationMailKk is the registration e-mail in Kazakh: our translation
// of ESF's Russian text (no document gives ESF's own Kazakh one).
func registrationMailKk(to string, category esfreg.Category, name, iin, company, bin, link string) Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Құрметті пайдаланушы %s (ЖСН: %s),\n\n", name, iin)
	as := "жеке тұлға"
	switch {
	case bin != "":
		as = fmt.Sprintf("%s заңды тұлғасының (БСН: %s) Басшысы", company, bin)
	case category == esfreg.Entrepreneur:
		as = "жеке кәсіпкер"
	}
	fmt.Fprintf(&b, "ЭШФ АЖ-да %s ретінде тіркеуді аяқтау үшін Жүйені пайдалану туралы Келісімді қабылдауыңыз қажет, ол үшін келесі сілтемені браузердің мекенжай жолына көшіріп, өтіңіз:\n%s\n\n", as, link)
	b.WriteString("Ескерту: Келісімге қол қою үшін қол қою сертификатын пайдалану қажет.\n\n")
	b.WriteString("Назар аударыңыз!\nЕгер Сіз ЭШФ АЖ-да тіркелмеген болсаңыз, бұл хабарламаны елемеңіз, ол Сізге қателесіп жіберілген болуы мүмкін.\n")
	return Mail{To: to, Subject: "Тіркеу процесін аяқтау", Body: b.String(), Link: link, IIN: iin}
}

func completionMail(to, name, iin, company, bin string) Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Уважаемый пользователь %s (ИИН: %s),\n\nРегистрация в ИС ЭСФ завершена", name, iin)
	if bin != "" {
		fmt.Fprintf(&b, " (юридическое лицо %s, БИН %s)", company, bin)
	}
	b.WriteString(".\n\nС уважением,\nСлужба поддержки ИС ЭСФ\n")
	return Mail{To: to, Subject: "Регистрация завершена", Body: b.String(), IIN: iin}
}

func resetMail(to, iin, link string) Mail {
	body := fmt.Sprintf("Получен запрос на восстановление пароля для пользователя с ИИН %s.\n\nЧтобы задать новый пароль, перейдите по ссылке:\n%s\n\nЕсли вы не запрашивали восстановление пароля, проигнорируйте это письмо.\n\nС уважением,\nСлужба поддержки ИС ЭСФ\n", iin, link)
	return Mail{To: to, Subject: "Восстановление пароля", Body: body, Link: link, IIN: iin}
}

func emailChangedMail(to, iin string) Mail {
	body := fmt.Sprintf("Адрес электронной почты пользователя с ИИН %s изменён на %s.\n\nС уважением,\nСлужба поддержки ИС ЭСФ\n", iin, to)
	return Mail{To: to, Subject: "Изменение адреса электронной почты", Body: body, IIN: iin}
}
