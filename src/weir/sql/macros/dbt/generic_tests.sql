{#-
    dbt's four core generic tests. Each one renders a query that returns the
    failing rows; the test fails when that query returns at least one row.
-#}

{% test not_null(model, column_name) %}
    {{ return(adapter.dispatch('test_not_null', 'dbt')(model, column_name)) }}
{% endtest %}

{% macro default__test_not_null(model, column_name) %}
{%- set keep_all = should_store_failures is defined and should_store_failures() %}
select {{ '*' if keep_all else column_name }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}


{% test unique(model, column_name) %}
    {{ return(adapter.dispatch('test_unique', 'dbt')(model, column_name)) }}
{% endtest %}

{% macro default__test_unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endmacro %}


{% test accepted_values(model, column_name, values, quote=True) %}
    {{ return(adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote)) }}
{% endtest %}

{#- Nulls are not reported: `null not in (...)` is never true. One row per bad value. -#}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with value_counts as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)

select *
from value_counts
where value_field not in (
    {%- for value in values %}
    {{ "'" ~ value ~ "'" if quote else value }}{{ "," if not loop.last }}
    {%- endfor %}
)
{% endmacro %}


{% test relationships(model, column_name, to, field) %}
    {{ return(adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field)) }}
{% endtest %}

{#- Child values (nulls excluded) that have no matching parent; one row per orphan child row. -#}
{% macro default__test_relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select child.from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}
