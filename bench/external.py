"""Signing with the key elsewhere against signing in process, per document, on the real final
draft of the Quyết định (LibreOffice renders it once): `sign.sign_draft` with the key loaded
once per run, against `external.prepare` then `external.finish` (the signature value made in
between by the same key, its time left out: a provider's own time, phone confirmation
included, is not ours). Both take the RFC 3161 timestamp from the development PKI's TSA on
loopback; both check the certificate online (OCSP) before signing. Then `check_signed`
(`verify_pdf` of the result before it is recorded) on its own. Runs alternate, so that drift
in the machine's speed hits both alike.

`python bench/external.py`, or `external()` from bench/run.py.
"""

from __future__ import annotations

import logging
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHAIR, TITLE = "Trần Minh Khôi", "CHỦ TỊCH"


def external(docs: int = 5, rounds: int = 3) -> None:
    from asn1crypto import pem, x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    from docgen import generate, inputs, render, stamp
    from docgen.convert import ConverterPool
    from signing import external as ext
    from signing import images, pki, sign

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for name in ("pyhanko", "pyhanko_certvalidator"):  # as the service does (api/app.py)
        logging.getLogger(name).setLevel(logging.CRITICAL)
    ctx = dict(generate.sample_contexts()["quyet-dinh.docx"])
    ctx["signer"] = {"authority": "TM. ỦY BAN NHÂN DÂN", "title": TITLE, "name": CHAIR}
    with ConverterPool(size=1) as pool:
        draft = stamp.stamp(pool.convert(render.render("quyet-dinh.docx", ctx)))
    bodies = inputs.load_bodies(REPO / "samples" / "bodies")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        arch = pki.init(
            folder, {"ubnd-hai-phong": bodies["ubnd-hai-phong"]}, url=f"http://127.0.0.1:{port}"
        )
        label = "ubnd-hai-phong--chu-tich"
        p12 = (folder / "certs" / f"{label}.p12").read_bytes()
        certificate = x509.Certificate.load(
            pem.unarmor((folder / "certs" / f"{label}.cert.pem").read_bytes())[2]
        )
        chain = [
            x509.Certificate.load(
                pem.unarmor((folder / "certs" / "interm.cert.pem").read_bytes())[2]
            )
        ]
        key = serialization.load_pem_private_key(
            (folder / "keys" / f"{label}.key.pem").read_bytes(), password=None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        image = images.signature_image(images.signature_png(CHAIR))
        placement = sign.find_placement(draft, title=TITLE, name=CHAIR)
        inproc: list[float] = []
        prepare: list[float] = []
        finish: list[float] = []
        check: list[float] = []
        with pki.serve(arch, port=port) as base:
            tsa = pki.service_urls(base)["tsa"]
            root = pki.root_certificate(arch)

            def in_process() -> None:
                signer = sign.load_pkcs12(p12, pki.TEST_PASSPHRASE)
                start = time.perf_counter()
                for _ in range(docs):
                    sign.sign_draft(
                        draft,
                        signer,
                        signature=image,
                        placement=placement,
                        tsa_url=tsa,
                        context=sign.validation_context([root]),
                    )
                inproc.append((time.perf_counter() - start) / docs)

            def elsewhere() -> None:
                spent = [0.0, 0.0, 0.0]
                for _ in range(docs):
                    start = time.perf_counter()
                    ready = ext.prepare(
                        draft,
                        certificate,
                        chain=chain,
                        signature=image,
                        placement=placement,
                        context=sign.validation_context([root]),
                    )
                    spent[0] += time.perf_counter() - start
                    value = key.sign(
                        ready.to_be_signed, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
                    )
                    start = time.perf_counter()
                    signed = ext.finish(
                        ready, certificate=ready.certificate, value=value, tsa_url=tsa
                    )
                    spent[1] += time.perf_counter() - start
                    start = time.perf_counter()
                    ext.check_signed(signed, [root])
                    spent[2] += time.perf_counter() - start
                prepare.append(spent[0] / docs)
                finish.append(spent[1] / docs)
                check.append(spent[2] / docs)

            in_process()
            elsewhere()  # warm-up: imports, the TSA's and the OCSP responder's first answers
            inproc.clear(), prepare.clear(), finish.clear(), check.clear()
            for _ in range(rounds):
                in_process()
                elsewhere()
    a, p, f, c = (statistics.median(x) * 1000 for x in (inproc, prepare, finish, check))
    print(
        f"\nsigning the Quyết định's draft, 2048-bit RSA, PAdES B-T "
        f"({docs} documents × {rounds} runs, alternating)"
    )
    print(f"{'path':<60}{'ms/doc':>10}")
    print(f"{'(a) in process: sign_draft, key loaded once per run':<60}{a:>10.1f}")
    print(f"{'(b) key elsewhere: prepare':<60}{p:>10.1f}")
    print(f"{'    finish (timestamp, embed)':<60}{f:>10.1f}")
    print(f"{'    prepare + finish':<60}{p + f:>10.1f}")
    print(f"(b)/(a): {(p + f) / a:.2f}x; check_signed (verify_pdf before recording): +{c:.1f} ms")


if __name__ == "__main__":
    external()
