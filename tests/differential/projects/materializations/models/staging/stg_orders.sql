select id as order_id, customer_id, ordered_at, cast(ordered_at as date) as order_date, status, amount
from {{ ref('orders') }}
