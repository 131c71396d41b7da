"""Single sign-on: the verified claims of a person at the identity provider become a portal account
with its roles, or a recorded refusal that says what to do."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor, record_event, refuse
from l2portal.ledger.services.refusing import atomic_refusing
from l2portal.portal.roles_setup import ensure_groups
from l2portal.portal.site import roles as portal_roles

from .. import conf
from ..events import ACCOUNT_FROM_IDENTITY, ROLES_FROM_IDENTITY
from ..models import SignInIdentity


class SignInRefused(NotPermitted):
    code = "sign_in_refused"


def roles_from_claims(claims: dict) -> set[str]:
    """The portal roles the provider's groups map to (L2PORTAL_OIDC_ROLE_MAP)."""
    groups = claims.get(conf.roles_claim()) or []
    if isinstance(groups, str):
        groups = groups.split()
    mapping, known = conf.role_map(), set(portal_roles())
    return {mapping[group] for group in groups if mapping.get(group) in known}


def _who(claims: dict) -> str:
    return claims.get("email") or claims.get("preferred_username") or claims.get("sub", "an identity")


def check_domain(claims: dict, actor: Actor) -> None:
    domains = conf.allowed_domains()
    if not domains:
        return
    email = (claims.get("email") or "").lower()
    # An address the provider says it has not verified proves no domain (Keycloak sends
    # email_verified false for a self-registered one; Globus sends no such claim).
    unverified = claims.get("email_verified") is False
    if unverified or email.rpartition("@")[2] not in domains:
        refuse(
            SignInRefused(
                f"{_who(claims)} may not sign in here: this portal takes identities of "
                f"{', '.join(domains)} only"
                + (", with an address the provider has verified" if unverified else "")
                + "; sign in with your account there",
                details={"email": email, "allowed_domains": domains},
            ),
            actor,
        )


def _new_username(claims: dict, subject: str) -> str:
    """preferred_username (Globus: jdoe@nso.edu), else the e-mail; never a local account's name."""
    base = (claims.get("preferred_username") or claims.get("email") or subject)[:130]
    taken = get_user_model().objects.filter(username=base).exists()
    return f"{base}-{subject[:16]}" if taken else base


def _set_roles(user, roles: set[str], actor: Actor, issuer: str) -> None:
    held = set(user.groups.filter(name__in=portal_roles()).values_list("name", flat=True))
    if held == roles:
        return
    if Group.objects.filter(name__in=roles).count() < len(roles):
        ensure_groups()
    user.groups.remove(*Group.objects.filter(name__in=held - roles))
    user.groups.add(*Group.objects.filter(name__in=roles))
    record_event(
        ROLES_FROM_IDENTITY,
        f"{user.username}: roles {', '.join(sorted(roles))} from {issuer} "
        f"(were {', '.join(sorted(held)) or 'none'})",
        actor,
        subject=user,
        roles=sorted(roles),
        previous=sorted(held),
    )


def sign_in(issuer: str, claims: dict):
    """The account of the person ``claims`` (ID token and userinfo, already verified) describe.
    Mapped groups set the account's roles each time; with none mapped an account keeps the roles
    an operator gave it, a new one gets L2PORTAL_OIDC_DEFAULT_ROLE, or the sign-in is refused."""
    actor = Actor.system(f"single sign-on ({issuer})")
    subject = claims.get("sub")
    if not subject:
        refuse(SignInRefused("the identity provider sent no subject (sub); ask its administrators"), actor)
    check_domain(claims, actor)
    with atomic_refusing(actor):
        identity = (
            SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        )
        roles = roles_from_claims(claims)
        if not roles and identity is not None:
            roles = set(identity.user.groups.filter(name__in=portal_roles()).values_list("name", flat=True))
        if not roles and conf.default_role():
            roles = {conf.default_role()}
        if not roles:
            mapped = ", ".join(conf.role_map()) or "none configured"
            refuse(
                SignInRefused(
                    f"{_who(claims)} has no role in this portal: the identity provider's "
                    f"{conf.roles_claim()!r} names none of the groups that give one ({mapped}); "
                    "ask an operator to add you to one",
                    details={"subject": subject, "groups": claims.get(conf.roles_claim()) or []},
                ),
                actor,
            )
        if identity is None:
            user = get_user_model()(username=_new_username(claims, subject))
            user.set_unusable_password()
        else:
            user = identity.user
        user.email = claims.get("email", user.email)
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        user.is_staff = OPERATOR in roles
        user.save()
        if identity is None:
            identity = SignInIdentity(user=user, issuer=issuer, subject=subject)
            record_event(
                ACCOUNT_FROM_IDENTITY,
                f"{user.username} signed in for the first time, as {subject} at {issuer}",
                actor,
                subject=user,
                issuer=issuer,
                sub=subject,
            )
        identity.email = claims.get("email", "")
        identity.last_sign_in = timezone.now()
        identity.save()
        _set_roles(user, roles, actor, issuer)
    return user
