"""Runs a command on a pseudo-terminal, types `answer` once `prompt` appears, and relays its output.

Usage: pty-run.py PROMPT ANSWER COMMAND [ARGS...]. Exits with the command's exit code. Bounded: the
command is killed after 20 s (SIGALRM ends this script, and the pty's close ends the command).
"""
import fcntl, os, pty, signal, struct, sys, termios

prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
signal.alarm(20)
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
# A real size: a pty starts at 0x0, which no terminal has.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 160, 0, 0))
seen, answered = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    sys.stdout.buffer.write(chunk)
    if not answered and prompt in seen:
        os.write(fd, answer)
        answered = True
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
