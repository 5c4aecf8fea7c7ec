"""The USSD channel: the whole service on a feature phone, in French and Lingala.

* ``routes``: ``POST /ussd`` (Africa's Talking callback) and the development simulator;
* ``answer``: one request, one unit of work, always a screen;
* ``machine``: node kinds, the pure walk over the inputs, rendering and pages;
* ``menu``: the menu itself, as a table of screens;
* ``screens``: one handler per screen, each calling the domain;
* ``parsers``, ``formats``, ``failures``: inputs in, values and errors out as text;
* ``sessions`` and ``models``: the row that makes a repeated request harmless.

docs/USSD.md explains the choices (state rebuilt from ``text``, what is stored).
"""
