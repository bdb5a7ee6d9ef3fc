"""The HTTP service and the browser playground (`policyrun serve`).

Needs the `service` extra (Starlette, uvicorn). Nothing outside this package imports it, so
`import policyrun` and the other commands never load a web framework.

    state.py      what one generation serves: policies compiled once, listings, schemas
    checktext.py  `/v1/check`: parse and check policy text against the loaded policies
    app.py        the Starlette application and its handlers
    http.py       request bodies within limits, JSON responses, the error shape
    openapi.py    the OpenAPI 3.1 document, derived from the contract and the scenario schema
    logs.py       JSON lines on stderr: request logs, uvicorn's own messages
    server.py     `serve`: bind, run one worker or supervise several, reload on SIGHUP
    static/       the playground: plain HTML, CSS and JavaScript, and the bundled examples
"""
