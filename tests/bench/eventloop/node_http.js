// A minimal HTTP server on node's event loop: every request gets a 5-byte
// body. Usage: node node_http.js PORT
require('http')
  .createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end('hello');
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
