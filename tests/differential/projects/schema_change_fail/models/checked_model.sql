select id, label, price from {{ ref('items') }}
