"""Non-blocking sends on sockets that are not TCP, as a program sees them
under send latency: how long the send calls took, whether any said EAGAIN,
and when and in what order the peer got the data. Prints NAME=VALUE words.
Usage: send_kinds.py asyncio | udp | udp-flood | pair | records
  asyncio    a server and a client in one asyncio loop: echo round trips,
             and results of worker threads (run_in_executor,
             call_soon_threadsafe) that reach the loop through its self-pipe
  signal     an asyncio loop's signal handler (add_signal_handler), which
             the C-level handler wakes with a byte on the self-pipe
  udp        20 numbered datagrams from a non-blocking UDP socket
  udp-flood  400 datagrams at once: more than a send queue holds
  pair       a unix socketpair (SOCK_STREAM): 5 sends, read on the other end
  records    400 records on a unix SOCK_DGRAM socketpair, sent as fast as
             the socket lets them
"""
import asyncio
import select
import socket
import sys
import threading
import time


def ms(seconds):
    return "%.0f" % (seconds * 1000)


def run_asyncio():
    served = []

    async def handle(reader, writer):
        while data := await reader.read(100):
            writer.write(data)
            await writer.drain()
        writer.close()
        served[0].set_result(True)

    async def main():
        loop = asyncio.get_running_loop()
        served.append(loop.create_future())
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        rtts = []
        for i in range(3):
            start = time.monotonic()
            writer.write(b"ping%d" % i)
            await writer.drain()
            got = await reader.readexactly(5)
            assert got == b"ping%d" % i, got
            rtts.append(time.monotonic() - start)
        start = time.monotonic()
        await loop.run_in_executor(None, time.sleep, 0.05)
        executor = time.monotonic() - start
        start = time.monotonic()
        woken = loop.create_future()

        def later():
            time.sleep(0.05)
            loop.call_soon_threadsafe(woken.set_result, True)

        threading.Thread(target=later).start()
        await woken
        threadsafe = time.monotonic() - start
        writer.close()
        await served[0]
        server.close()
        print("ok rtt_min=%s rtt_max=%s executor=%s threadsafe=%s" % (
            ms(min(rtts)), ms(max(rtts)), ms(executor), ms(threadsafe)))

    asyncio.run(main())


def run_signal():
    import os
    import signal

    async def main():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, got.set_result, True)

        def later():
            time.sleep(1.5)  # past the send queue's idle helper thread
            os.kill(os.getpid(), signal.SIGUSR1)

        start = time.monotonic()
        threading.Thread(target=later).start()
        await asyncio.wait_for(got, 10)
        print("ok signal_ms=%s" % ms(time.monotonic() - start))

    asyncio.run(main())


def receive_datagrams(receiver, count, quiet_s, arrivals):
    receiver.settimeout(quiet_s)
    try:
        while len(arrivals) < count:
            data = receiver.recv(2000)
            arrivals.append((time.monotonic(), int(data.split(b" ")[0])))
    except socket.timeout:
        pass


def timed_sends(sock, messages, send):
    """Sends each message once; returns (sent at, longest call, EAGAINs)."""
    sent_at, longest, eagain = [], 0.0, 0
    for message in messages:
        start = time.monotonic()
        try:
            send(message)
        except BlockingIOError:
            eagain += 1
        longest = max(longest, time.monotonic() - start)
        sent_at.append(start)
    return sent_at, longest, eagain


def run_udp(count, quiet_s):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setblocking(False)
    arrivals = []
    thread = threading.Thread(target=receive_datagrams,
                              args=(receiver, count, quiet_s, arrivals))
    thread.start()
    to = receiver.getsockname()
    messages = [b"%d " % i + b"x" * 90 for i in range(count)]
    sent_at, longest, eagain = timed_sends(
        sender, messages, lambda m: sender.sendto(m, to))
    thread.join()
    order = [n for _, n in arrivals]
    delays = [at - sent_at[n] for at, n in arrivals] or [0]
    print("sent=%d received=%d in_order=%s send_ms=%s eagain=%d "
          "delay_min=%s delay_max=%s" % (
              count, len(arrivals), "yes" if order == sorted(order) else "no",
              ms(longest), eagain, ms(min(delays)), ms(max(delays))))


def run_pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.setblocking(False)
    chunks = [b"%d:" % i + b"y" * 1000 for i in range(5)]
    sent_at, longest, eagain = timed_sends(a, chunks, a.sendall)
    want = b"".join(chunks)
    got = b""
    b.settimeout(5)
    first = None
    while len(got) < len(want):
        data = b.recv(65536)
        if not data:
            break
        first = first or time.monotonic()
        got += data
    print("intact=%s send_ms=%s eagain=%d first_ms=%s" % (
        "yes" if got == want else "no", ms(longest), eagain,
        ms((first or time.monotonic()) - sent_at[0])))


def run_records():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.setblocking(False)
    count, eagain, waits = 400, 0, 0
    start = time.monotonic()
    received = []
    i = 0
    while i < count:
        try:
            a.send(b"%d " % i + b"z" * 100)
            i += 1
        except BlockingIOError:
            eagain += 1
            # Wait for room as a program would; read what came meanwhile.
            readable, writable, _ = select.select([b], [a], [], 5)
            waits += 1
            b.setblocking(False)
            try:
                while True:
                    received.append(int(b.recv(2000).split(b" ")[0]))
            except BlockingIOError:
                pass
    b.settimeout(3)
    try:
        while len(received) < count:
            received.append(int(b.recv(2000).split(b" ")[0]))
    except socket.timeout:
        pass
    print("sent=%d received=%d in_order=%s eagain=%d waits=%d t=%.2f" % (
        count, len(received), "yes" if received == sorted(received) else "no",
        eagain, waits, time.monotonic() - start))


MODES = {
    "asyncio": run_asyncio,
    "signal": run_signal,
    "udp": lambda: run_udp(20, 3),
    "udp-flood": lambda: run_udp(400, 1.5),
    "pair": run_pair,
    "records": run_records,
}

if __name__ == "__main__":
    MODES[sys.argv[1]]()
