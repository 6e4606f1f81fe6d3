select id as order_id, customer_id, order_date, upper(status) as status
from {{ ref('raw_orders') }}
