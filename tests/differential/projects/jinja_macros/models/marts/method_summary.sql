-- aggregate cross-db macros, plus star_except() built from adapter.get_columns_in_relation
with p as (
    select {{ star_except(ref('stg_payments'), except=['gross_amount_low_tax', 'CREATED_AT']) }}
    from {{ ref('stg_payments') }}
)
select
    payment_method,
    {{ dbt.listagg('cast(payment_id as varchar)', "','", "order by payment_id") }} as payment_ids,
    {{ dbt.any_value('order_id') }} is not null as has_order,
    {{ dbt.bool_or('amount > 20') }} as any_over_twenty,
    count(*) as n,
    sum(gross_amount) as gross
from p
group by payment_method
