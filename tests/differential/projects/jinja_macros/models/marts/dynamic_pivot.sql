{#- Columns generated from the data at run time: run_query under `if execute`. -#}
{%- set methods = column_values(ref('stg_payments'), 'payment_method') -%}
select
    o.order_id,
    o.status,
    {%- for method in methods %}
    coalesce(sum(p.amount) filter (where p.payment_method = '{{ method }}'), 0) as "{{ method | upper }}",
    {%- endfor %}
    count(p.payment_id) as n_payments
from {{ ref('stg_orders') }} as o
left join {{ ref('stg_payments') }} as p using (order_id)
group by all
