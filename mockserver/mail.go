package mockserver

import (
	"fmt"
	"net/smtp"
	"strings"
	"time"
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

// Mail returns the outbox: every e-mail sent, oldest first.
func (s *Server) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail{}, s.outbox...)
}

// MailTo returns the e-mails sent to address, oldest first.
func (s *Server) MailTo(address string) []Mail {
	out := []Mail{}
	for _, m := range s.Mail() {
		if strings.EqualFold(m.To, address) {
			out = append(out, m)
		}
	}
	return out
}

// sendLocked puts an e-mail in the outbox (and relays it); s.mu is held.
func (s *Server) sendLocked(m Mail) {
	m.ID = len(s.outbox) + 1
	m.From = MailFrom
	m.SentAt = s.clock.Now()
	s.outbox = append(s.outbox, m)
	s.log.Info("mail", "to", m.To, "subject", m.Subject)
	if addr := s.opts.Mail.SMTPAddr; addr != "" {
		go s.relay(addr, m)
	}
}

func (s *Server) relay(addr string, m Mail) {
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		m.From, m.To, m.Subject, strings.ReplaceAll(m.Body, "\n", "\r\n"))
	if err := smtp.SendMail(addr, s.opts.Mail.Auth, "esf@minfin.gov.kz", []string{m.To}, []byte(msg)); err != nil {
		s.log.Warn("mail relay failed", "to", m.To, "err", err)
	}
}

// The e-mails of the seeds.
func registrationMail(to, name, iin, company, bin, link string) Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Уважаемый(ая) %s (ИИН %s)!\n\n", name, iin)
	if bin != "" {
		fmt.Fprintf(&b, "Для завершения регистрации в ИС ЭСФ в качестве руководителя юридического лица %s (БИН %s) перейдите по ссылке и войдите в систему:\n", company, bin)
	} else {
		b.WriteString("Для завершения регистрации в ИС ЭСФ перейдите по ссылке и войдите в систему:\n")
	}
	fmt.Fprintf(&b, "%s\n\nПримечание: соглашение подписывается регистрационным свидетельством для подписи.\n\nС уважением,\nСлужба поддержки ИС ЭСФ\n", link)
	return Mail{To: to, Subject: "Завершение процесса регистрации", Body: b.String(), Link: link, IIN: iin}
}

func completionMail(to, name, iin, company, bin string) Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Уважаемый(ая) %s (ИИН %s)!\n\nРегистрация в ИС ЭСФ завершена", name, iin)
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
