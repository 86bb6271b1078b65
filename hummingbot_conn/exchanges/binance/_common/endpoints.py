"""The endpoints model both Binance venues share: base URLs as data, looked up by domain name.

A venue's endpoints are a frozen dataclass of base URLs (``rest`` and
``stream``, plus ``ws_api`` on spot); its constants module maps hummingbot's
domain names to them (``DOMAINS``).  Every URL the connector opens is built
from these bases, so the same code talks to Binance, its testnet or a
simulator on ``http://127.0.0.1:<port>`` (``local``).
"""
from dataclasses import dataclass, fields
from typing import ClassVar, Mapping, Self, Union

__all__ = ["BinanceEndpointsBase"]


@dataclass(frozen=True)
class BinanceEndpointsBase:
    """Base URLs of one Binance venue; subclasses add their URL builders and ``known_domains``."""

    rest: str
    stream: str

    #: what follows the REST base before an endpoint's path (``/api/v3``, ``/fapi``)
    REST_PREFIX: ClassVar[str] = ""
    #: the venue's name in error messages
    VENUE: ClassVar[str] = "Binance"

    def rest_url(self, path_url: str) -> str:
        """The REST base, ``REST_PREFIX`` and ``path_url`` (which starts with ``/``)."""
        return f"{self.rest.rstrip('/')}{self.REST_PREFIX}{path_url}"

    @classmethod
    def known_domains(cls) -> Mapping[str, Self]:
        """hummingbot's domain names of this venue -> their endpoints."""
        raise NotImplementedError

    @classmethod
    def for_domain(cls, domain: str) -> Self:
        """The endpoints of a domain name; ``ValueError`` naming the known ones for any other."""
        domains = cls.known_domains()
        try:
            return domains[domain]
        except KeyError:
            raise ValueError(f"unknown {cls.VENUE} domain {domain!r}; known: {sorted(domains)} "
                             f"(or pass {cls.__name__}(...) for a custom base)") from None

    @classmethod
    def of(cls, domain: Union[str, Self]) -> Self:
        """``domain`` itself when it is endpoints of this venue, else ``for_domain(domain)``."""
        return domain if isinstance(domain, cls) else cls.for_domain(domain)  # type: ignore[arg-type]

    @classmethod
    def local(cls, host_port: str, secure: bool = False) -> Self:
        """Every service on one local server (the simulator): ``local("127.0.0.1:8080")``.

        ``rest`` gets ``http://`` (``https://`` when ``secure``), every other base ``ws://`` (``wss://``)."""
        http, ws = ("https", "wss") if secure else ("http", "ws")
        bases = {field.name: f"{ws}://{host_port}" for field in fields(cls)}
        bases["rest"] = f"{http}://{host_port}"
        return cls(**bases)
