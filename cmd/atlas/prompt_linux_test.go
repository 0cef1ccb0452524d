package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal: the terminal side the prompt reads, the other side the "keyboard".
func openPTY(t *testing.T) (terminal, keyboard *os.File) {
	t.Helper()
	keyboard, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, keyboard.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, keyboard.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the terminal side: %v", err)
	}
	t.Cleanup(func() {
		keyboard.Close() // first: a reader the prompt left blocked on the terminal side then fails and ends
		terminal.Close()
	})
	return terminal, keyboard
}

func termios(t *testing.T, f *os.File) syscall.Termios {
	t.Helper()
	var st syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&st))); e != 0 {
		t.Fatalf("TCGETS: %v", e)
	}
	return st
}

// questionWriter is the prompt's stderr: it tells when the question has been asked.
type questionWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	asked chan struct{}
}

func newQuestionWriter() *questionWriter { return &questionWriter{asked: make(chan struct{})} }

func (w *questionWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.once.Do(func() { close(w.asked) })
	return w.buf.Write(p)
}

// prompt asks question on terminal in a goroutine; the answer comes on the channel.
func prompt(ctx context.Context, t *testing.T, terminal *os.File, out *questionWriter, interrupt context.CancelFunc, secret bool) <-chan [2]any {
	t.Helper()
	ask := terminalPrompt(terminal, out, interrupt)
	if ask == nil {
		t.Fatal("a pseudo-terminal is not taken for a terminal")
	}
	answer := make(chan [2]any, 1)
	go func() {
		text, err := ask(ctx, "Question: ", secret)
		answer <- [2]any{text, err}
	}()
	return answer
}

// The command's context ending (SIGINT or SIGTERM) ends a prompt at once, secret or not, without Enter, and the
// terminal is as it was before the question (a secret is read in raw mode without echo).
func TestTerminalPromptEndsWithTheContext(t *testing.T) {
	for _, secret := range []bool{true, false} {
		t.Run(fmt.Sprintf("secret=%v", secret), func(t *testing.T) {
			terminal, _ := openPTY(t)
			before := termios(t, terminal)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := newQuestionWriter()
			answer := prompt(ctx, t, terminal, out, cancel, secret)
			<-out.asked
			if secret && termios(t, terminal).Lflag&syscall.ECHO != 0 {
				t.Error("the secret prompt echoes")
			}
			cancel() // nothing typed, no Enter
			got := <-answer
			if got[0] != "" || !errors.Is(got[1].(error), context.Canceled) {
				t.Errorf("answer %q, error %v", got[0], got[1])
			}
			if after := termios(t, terminal); after != before {
				t.Errorf("the terminal was not restored: lflag %#o, was %#o", after.Lflag, before.Lflag)
			}
		})
	}
}

// Ctrl-C typed at the secret prompt (a byte in raw mode, no SIGINT) interrupts the command and restores the
// terminal.
func TestCtrlCAtTheSecretPromptInterrupts(t *testing.T) {
	terminal, keyboard := openPTY(t)
	before := termios(t, terminal)
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	out := newQuestionWriter()
	answer := prompt(ctx, t, terminal, out, interrupt, true)
	<-out.asked
	if _, err := keyboard.Write([]byte("pw-\x03")); err != nil {
		t.Fatal(err)
	}
	got := <-answer
	if got[0] != "" || !errors.Is(got[1].(error), context.Canceled) || ctx.Err() == nil {
		t.Errorf("answer %q, error %v, context %v", got[0], got[1], ctx.Err())
	}
	if after := termios(t, terminal); after != before {
		t.Errorf("the terminal was not restored: lflag %#o, was %#o", after.Lflag, before.Lflag)
	}
}

// A secret typed with a correction is read without echo; the terminal is restored; what follows Enter is left for
// the next prompt, a confirmation read with echo.
func TestSecretPromptReadsWithoutEcho(t *testing.T) {
	terminal, keyboard := openPTY(t)
	before := termios(t, terminal)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := newQuestionWriter()
	answer := prompt(ctx, t, terminal, out, cancel, true)
	<-out.asked
	// The secret, a mistyped character and Backspace, Enter.
	if _, err := keyboard.Write([]byte("pw-s3cr3tX\x7f\r")); err != nil {
		t.Fatal(err)
	}
	got := <-answer
	if got[0] != "pw-s3cr3t" || got[1] != nil {
		t.Errorf("answer of %d bytes, error %v", len(got[0].(string)), got[1])
	}
	if after := termios(t, terminal); after != before {
		t.Errorf("the terminal was not restored: lflag %#o, was %#o", after.Lflag, before.Lflag)
	}
	out2 := newQuestionWriter()
	second := prompt(ctx, t, terminal, out2, cancel, false)
	<-out2.asked
	if _, err := keyboard.Write([]byte("yes\r")); err != nil {
		t.Fatal(err)
	}
	if got := <-second; got[0] != "yes" || got[1] != nil {
		t.Errorf("the confirmation read %q, error %v", got[0], got[1])
	}
	// What the terminal showed: everything up to a marker written after both prompts.
	if _, err := terminal.Write([]byte("<end>")); err != nil {
		t.Fatal(err)
	}
	var shown []byte
	buf := make([]byte, 256)
	for !bytes.Contains(shown, []byte("<end>")) {
		n, err := keyboard.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, buf[:n]...)
	}
	if s := string(shown); strings.Contains(s, "s3cr3t") || !strings.Contains(s, "yes") {
		t.Errorf("the terminal showed %d bytes: the secret echoed, or the confirmation not", len(s))
	}
	if !strings.Contains(out.buf.String(), "Question: ") {
		t.Errorf("the question was not asked on stderr")
	}
}
