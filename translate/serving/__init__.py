"""What keeps ``vi2en serve`` up for everyone: the guards shared by the REST API and the page.

- :mod:`.limits`: per-client request rates (one limiter for every door), throttling of wrong
  keys and logins;
- :mod:`.settings`: the server's own options (timeouts, caps, quotas, proxy trust);
- :mod:`.gate`: the ASGI gate in front of the whole app (body size, Gradio's routes, uploads,
  logins, redirects);
- :mod:`.protocol`: the HTTP connection (header and body timeouts, the connection cap, running
  out of file handles).

Below the front ends (``api``, ``web``), above the jobs; nothing here translates.
"""
