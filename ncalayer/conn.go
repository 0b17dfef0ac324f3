package ncalayer

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// heartbeat is the text frame clients send to check NCALayer is alive; it
// is echoed as it is (docs/ncalayer.md §1.4).
const heartbeat = "--heartbeat--"

// queued is how many requests a connection reads ahead of the one being
// answered; past it, reading waits (and TCP pushes back on the page).
const queued = 8

// conn is one page's WebSocket connection. A reader goroutine reads
// frames into msgs; the connection's own goroutine answers them one at a
// time, in order, as NCALayer's modal dialog does.
type conn struct {
	ws     *websocket.Conn
	origin string
	remote string
	locale string // changeLocale's last value

	ctx    context.Context // ends when the page goes or the server closes
	cancel context.CancelFunc
	stop   chan struct{} // closed by shutdown: finish the current request, then close
	once   sync.Once
}

// shutdown asks the connection to close after the request it is
// answering.
func (c *conn) shutdown() { c.once.Do(func() { close(c.stop) }) }

// kill closes the connection now.
func (c *conn) kill() {
	c.cancel()
	c.ws.CloseNow()
}

func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request, origin string) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "ncalayer: shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1) // before Shutdown can wait
	s.mu.Unlock()
	defer s.wg.Done()

	// The origin rule is ours (originAllowed); the library's own check,
	// which admits only the request's host, is off.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		s.log.Info("ncalayer: WebSocket handshake failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	ws.SetReadLimit(s.opts.MaxMessageSize)
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{ws: ws, origin: origin, remote: r.RemoteAddr, ctx: ctx, cancel: cancel, stop: make(chan struct{})}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		cancel()
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		cancel()
	}()
	s.log.Info("ncalayer: connected", "origin", origin, "remote", r.RemoteAddr)
	s.run(c)
	s.log.Info("ncalayer: disconnected", "origin", origin, "remote", r.RemoteAddr)
}

// run sends the greeting, then answers the page's frames in order until
// it goes, the server shuts down, or a frame breaks the protocol.
func (s *Server) run(c *conn) {
	greeting := `{"result":{"version":` + string(quote(s.opts.Version)) + `}}`
	if err := c.ws.Write(c.ctx, websocket.MessageText, []byte(greeting)); err != nil {
		c.ws.CloseNow()
		return
	}
	msgs := make(chan []byte, queued)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(msgs)
		for {
			typ, data, err := c.ws.Read(c.ctx)
			if err != nil {
				if errors.Is(err, websocket.ErrMessageTooBig) {
					s.log.Warn("ncalayer: request too large; connection closed", "remote", c.remote, "limit", s.opts.MaxMessageSize)
				}
				c.cancel() // the page is gone: a ChooseFunc waiting for it stops
				return
			}
			if typ != websocket.MessageText {
				s.log.Warn("ncalayer: binary frame; connection closed", "remote", c.remote)
				c.ws.Close(websocket.StatusUnsupportedData, "NCALayer takes text frames")
				c.cancel()
				return
			}
			select {
			case msgs <- data:
			case <-c.ctx.Done():
				return
			}
		}
	}()
	defer func() {
		c.cancel()
		c.ws.CloseNow()
		<-readDone
	}()
	for {
		select {
		case <-c.stop:
			c.ws.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case data, ok := <-msgs:
			if !ok {
				return
			}
			reply := s.answer(c, data)
			if err := c.ws.Write(c.ctx, websocket.MessageText, reply); err != nil {
				return
			}
		}
	}
}

// answer returns the reply to one text frame.
func (s *Server) answer(c *conn, data []byte) []byte {
	if string(data) == heartbeat {
		return data
	}
	reply := s.dispatch(c, data)
	s.log.Debug("ncalayer: request", "remote", c.remote, "bytes", len(data), "reply", truncate(reply, 200))
	return reply
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
