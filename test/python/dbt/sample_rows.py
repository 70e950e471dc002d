"""A small deterministic sample in the contracts' shape, in two loads.

Load 1: 12 users (u000001 changes country DE → FR within the load: two versions), events over two days with one
event delivered twice, one event of u000003 older than the account, one of u000099 whose profile has not arrived,
and orders of which o00000001 arrives as placed then paid.
Load 2 (ingested later): new events, a new order, o00000002 changing status, u000002 moving from DE to AT, and
u000099's profile (late).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

UTC = timezone.utc
BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CREATED_AT = BASE - timedelta(days=30)
# An event 10 days before its user's account was created (a device clock, activity before sign-up).
EARLY_EVENT_ID = '00000000-0000-4000-8000-000000000190'
# The user of LATE_USER_EVENT_ID has no profile until the second load: a late-arriving dimension member.
LATE_USER_ID = 'u000099'
LATE_USER_EVENT_ID = '00000000-0000-4000-8000-000000000191'
EVENT_TYPES = ['page_view', 'click', 'add_to_cart', 'purchase', 'signup']
PRODUCTS = {'SKU-00001': 'Kettle', 'SKU-00002': 'Teapot', 'SKU-00003': 'Mug'}
PRICES = {'SKU-00001': Decimal('39.90'), 'SKU-00002': Decimal('24.50'), 'SKU-00003': Decimal('7.25')}


def _user(n: int, country: str, updated_at: datetime, ingested_at: datetime, plan: str = 'free') -> dict[str, Any]:
    return {
        'user_id': f'u{n:06d}',
        'email': f'user{n}@example.com',
        'full_name': f'User {n}' if n % 3 else None,
        'country': country,
        'plan': plan,
        'birth_date': date(1980 + n, 1 + n % 12, 1 + n % 28) if n % 2 else None,
        'marketing_opt_in': bool(n % 2),
        'loyalty_points': n * 10,
        'created_at': CREATED_AT,
        'updated_at': updated_at,
        '_ingested_at': ingested_at,
        '_source': 'sample:users',
    }


def _event(
    i: int,
    ingested_at: datetime,
    source: str = 'sample:events',
    user: int | None = None,
    ts: datetime | None = None,
) -> dict[str, Any]:
    user = 1 + i % 12 if user is None else user
    ts = BASE + timedelta(minutes=17 * i) if ts is None else ts
    event_type = EVENT_TYPES[i % len(EVENT_TYPES)]
    return {
        'event_id': f'00000000-0000-4000-8000-{i:012d}',
        'user_id': f'u{user:06d}',
        'event_type': event_type,
        'event_ts': ts,
        'amount': Decimal(f'{10 + i % 90}.{i % 100:02d}') if event_type == 'purchase' else None,
        'country': 'DE',
        'session_id': f's-{user}-{ts.date().isoformat()}',
        'properties': {'page': f'/p/{i % 7}', 'referrer': None, 'ab': i % 10} if i % 4 else None,
        'event_date': ts.date(),
        '_ingested_at': ingested_at,
        '_source': source,
    }


def _order(n: int, status: str, ingested_at: datetime, skus: list[str]) -> dict[str, Any]:
    ts = BASE + timedelta(hours=5 * n)
    items = [
        {'sku': sku, 'product_name': PRODUCTS[sku], 'quantity': 1 + k, 'unit_price': PRICES[sku]}
        for k, sku in enumerate(skus)
    ]
    total = sum((item['unit_price'] * item['quantity'] for item in items), Decimal('0.00'))
    return {
        'order_id': f'o{n:08d}',
        'order_number': 1000 + n,
        'user_id': f'u{1 + n % 12:06d}',
        'order_ts': ts,
        'status': status,
        'currency': 'EUR',
        'total_amount': total,
        'discount_rate': 0.1 if n % 5 == 0 else None,
        'shipping_country': 'DE',
        'gift': n % 2 == 0,
        'line_items': items,
        'order_date': ts.date(),
        '_ingested_at': ingested_at,
        '_source': 'sample:orders',
    }


def first_load(ingested_at: datetime) -> dict[str, list[dict[str, Any]]]:
    users = [_user(n, 'DE', BASE - timedelta(days=30), ingested_at) for n in range(1, 13)]
    users.append(_user(1, 'FR', BASE + timedelta(days=1), ingested_at, plan='pro'))
    events = [_event(i, ingested_at) for i in range(0, 150)]
    events.append(_event(7, ingested_at + timedelta(seconds=1), source='sample:events-redelivered'))
    events.append(_event(190, ingested_at, user=3, ts=CREATED_AT - timedelta(days=10)))
    events.append(_event(191, ingested_at, user=99))
    skus = list(PRODUCTS)
    orders = [_order(n, 'placed', ingested_at, skus[: 1 + n % 3]) for n in range(1, 9)]
    orders.append(_order(1, 'paid', ingested_at + timedelta(seconds=1), skus[:2]))
    return {'users': users, 'events': events, 'orders': orders}


def second_load(ingested_at: datetime) -> dict[str, list[dict[str, Any]]]:
    skus = list(PRODUCTS)
    return {
        'users': [_user(2, 'AT', BASE + timedelta(days=2), ingested_at), _user(99, 'NL', CREATED_AT, ingested_at)],
        'events': [_event(i, ingested_at) for i in range(150, 180)],
        'orders': [_order(2, 'shipped', ingested_at, skus[:3]), _order(9, 'placed', ingested_at, skus[2:])],
    }
