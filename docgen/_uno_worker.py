"""One warm LibreOffice, driven through UNO: run by Debian's /usr/bin/python3 (the only Python
with the `uno` module), never imported by hoso itself.

It starts soffice with its own profile, connects, prints 'READY <soffice pid>', then converts
one request per line from stdin ({"src", "dst", "pdfa"} as JSON) and answers one JSON line each.
The supervisor in docgen/convert.py kills this process group when it hangs or has done enough.
"""

import json
import os
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    profile, pipe = sys.argv[1], sys.argv[2]
    soffice = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            f"-env:UserInstallation=file://{profile}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            if time.monotonic() > deadline or soffice.poll() is not None:
                print("FAILED soffice did not start", flush=True)
                return 1
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    print(f"READY {soffice.pid}", flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(req["src"]),
                "_blank",
                0,
                (prop("Hidden", True), prop("ReadOnly", True)),
            )
            try:
                # SelectPdfVersion 2 = PDF/A-2b; fonts are embedded in every case.
                data = uno.Any(
                    "[]com.sun.star.beans.PropertyValue",
                    tuple(
                        [
                            prop("SelectPdfVersion", 2 if req.get("pdfa") else 0),
                            prop("EmbedStandardFonts", True),
                            prop("UseTaggedPDF", True),
                        ]
                    ),
                )
                doc.storeToURL(
                    uno.systemPathToFileUrl(req["dst"]),
                    (prop("FilterName", "writer_pdf_Export"), prop("FilterData", data)),
                )
            finally:
                doc.close(True)
            answer = {"ok": True}
        except Exception as exc:  # reported to the supervisor, which decides
            if type(exc).__name__.endswith(("DisposedException", "RuntimeException")):
                return 3  # LibreOffice itself is gone: exit, so the supervisor replaces us
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    soffice.terminate()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HOME", sys.argv[1])
    sys.exit(main())
