{#-
    Generic tests on the values of a model: each renders a query returning the
    failing rows.
-#}

{#- rows where `<column_name> <expression>` (or `<expression>`) is false; null results pass -#}
{% test expression_is_true(model, expression, column_name=None) %}
    {{ return(adapter.dispatch('test_expression_is_true', 'dbt_utils')(model, expression, column_name)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression, column_name) %}
select *
from {{ model }}
{%- if column_name is none %}
where not ({{ expression }})
{%- else %}
where not ({{ column_name }} {{ expression }})
{%- endif %}
{% endmacro %}


{#- one row per combination that occurs more than once (nulls compare equal) -#}
{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=False) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'dbt_utils')(model, combination_of_columns, quote_columns)) }}
{% endtest %}

{% macro default__test_unique_combination_of_columns(model, combination_of_columns, quote_columns=False) %}
{%- if quote_columns not in [true, false] -%}
    {{ exceptions.raise_compiler_error(
        "`quote_columns` argument for unique_combination_of_columns test must be one of [True, False] Got: '" ~ quote_columns ~ "'."
    ) }}
{%- endif -%}
{%- set columns = [] -%}
{%- for column in combination_of_columns -%}
    {%- do columns.append(adapter.quote(column) if quote_columns else column) -%}
{%- endfor -%}
{%- set column_csv = columns | join(', ') %}
with duplicated as (
    select {{ column_csv }}
    from {{ model }}
    group by {{ column_csv }}
    having count(*) > 1
)

select * from duplicated
{% endmacro %}


{#- rows outside [min_value, max_value] (or the open interval when inclusive is false); nulls pass -#}
{% test accepted_range(model, column_name, min_value=None, max_value=None, inclusive=True) %}
    {{ return(adapter.dispatch('test_accepted_range', 'dbt_utils')(model, column_name, min_value, max_value, inclusive)) }}
{% endtest %}

{% macro default__test_accepted_range(model, column_name, min_value=None, max_value=None, inclusive=True) %}
{%- set op = '=' if inclusive else '' %}
select *
from {{ model }}
where 1 = 2
{%- if min_value is not none %}
    or not ({{ column_name }} >{{ op }} {{ min_value }})
{%- endif %}
{%- if max_value is not none %}
    or not ({{ column_name }} <{{ op }} {{ max_value }})
{%- endif %}
{% endmacro %}


{#- one row per distinct value that is in the forbidden list -#}
{% test not_accepted_values(model, column_name, values, quote=True) %}
    {{ return(adapter.dispatch('test_not_accepted_values', 'dbt_utils')(model, column_name, values, quote)) }}
{% endtest %}

{% macro default__test_not_accepted_values(model, column_name, values, quote=True) %}
with distinct_values as (
    select distinct {{ column_name }} as value_field
    from {{ model }}
)

select value_field
from distinct_values
where value_field in (
    {%- for value in values %}
    {{ "'" ~ value ~ "'" if quote else value }}{{ "," if not loop.last }}
    {%- endfor %}
)
{% endmacro %}


{#- rows whose (optionally trimmed) value is the empty string -#}
{% test not_empty_string(model, column_name, trim_whitespace=True) %}
    {{ return(adapter.dispatch('test_not_empty_string', 'dbt_utils')(model, column_name, trim_whitespace)) }}
{% endtest %}

{% macro default__test_not_empty_string(model, column_name, trim_whitespace=True) %}
with checked as (
    select
        {%- if trim_whitespace %}
        trim({{ column_name }}) as {{ column_name }}
        {%- else %}
        {{ column_name }}
        {%- endif %}
    from {{ model }}
)

select *
from checked
where {{ column_name }} = ''
{% endmacro %}
