-- a view (folder config) reading a source that points at a seed
select
    id as payment_id,
    order_id,
    payment_method,
    {{ cents_to_dollars('amount_cents') }} as amount,
    {{ gross_amount('amount_cents') }} as gross_amount,
    {{ gross_amount('amount_cents', tax_rate=0.1) }} as gross_amount_low_tax,
    created_at
from {{ source('raw', 'raw_payments') }}
