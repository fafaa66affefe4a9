"""A minimal HTTP/1.1 server on python's asyncio event loop, one thread,
keep-alive: every request gets a 5-byte body.
Usage: asyncio_http.py PORT
"""
import asyncio
import sys

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
            b"Content-Type: text/plain\r\n\r\nhello")


async def serve(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            if not request:
                break
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]),
                                        backlog=512)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
